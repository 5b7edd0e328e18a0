//! A small element tree over quick-xml for ISO 20022 files, keyed by local names so that every
//! namespace and version (`camt.053.001.02` to `.14`, with or without a prefix) reads alike.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::FormatError;

const MAX_DEPTH: usize = 256;

#[derive(Debug)]
pub(crate) struct Doc {
    nodes: Vec<Node>,
}

#[derive(Debug)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<usize>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct XEl<'a> {
    doc: &'a Doc,
    id: usize,
}

fn local(name: &[u8]) -> String {
    let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
    String::from_utf8_lossy(local).into_owned()
}

fn node(start: &BytesStart<'_>) -> Node {
    // Without quick-xml's check for repeated names, which compares each attribute with every
    // one before it: a repeated name is kept, and `attr` reads the first, as it did.
    let attrs = start
        .attributes()
        .with_checks(false)
        .filter_map(Result::ok)
        .map(|a| (local(a.key.as_ref()), a.unescape_value().map(|v| v.into_owned()).unwrap_or_default()))
        .collect();
    Node { name: local(start.name().as_ref()), attrs, text: String::new(), children: Vec::new() }
}

impl Doc {
    pub(crate) fn parse(text: &str) -> Result<Doc, FormatError> {
        let mut reader = Reader::from_str(text);
        let mut nodes =
            vec![Node { name: String::new(), attrs: Vec::new(), text: String::new(), children: Vec::new() }];
        let mut stack = vec![0usize];
        let malformed = |reader: &Reader<&[u8]>, e: &dyn std::fmt::Display| {
            FormatError::syntax(format!("the XML is malformed near byte {}: {e}", reader.buffer_position()))
        };
        loop {
            let event = reader.read_event().map_err(|e| malformed(&reader, &e))?;
            match event {
                Event::Start(ref start) | Event::Empty(ref start) => {
                    let empty = matches!(event, Event::Empty(_));
                    if stack.len() > MAX_DEPTH {
                        return Err(FormatError::syntax(format!("elements nest deeper than {MAX_DEPTH} levels")));
                    }
                    let id = nodes.len();
                    nodes.push(node(start));
                    let parent = stack.last().copied().unwrap_or(0);
                    if let Some(parent) = nodes.get_mut(parent) {
                        parent.children.push(id);
                    }
                    if !empty {
                        stack.push(id);
                    }
                }
                Event::End(_) => {
                    if stack.len() > 1 {
                        stack.pop();
                    }
                }
                Event::Text(t) => {
                    let value = t.xml_content().map_err(|e| malformed(&reader, &e))?;
                    push_text(&mut nodes, &stack, &value);
                }
                Event::CData(t) => {
                    let value = t.xml_content().map_err(|e| malformed(&reader, &e))?;
                    push_text(&mut nodes, &stack, &value);
                }
                Event::GeneralRef(r) => {
                    let name = r.decode().map_err(|e| malformed(&reader, &e))?;
                    let resolved = match r.resolve_char_ref().map_err(|e| malformed(&reader, &e))? {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::resolve_predefined_entity(&name)
                            .map(str::to_owned)
                            .unwrap_or_else(|| format!("&{name};")),
                    };
                    push_text(&mut nodes, &stack, &resolved);
                }
                Event::Eof => break,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
        if stack.len() > 1 {
            return Err(FormatError::syntax("the XML ends before its elements are closed: the file is cut short"));
        }
        Ok(Doc { nodes })
    }

    pub(crate) fn root(&self) -> XEl<'_> {
        XEl { doc: self, id: 0 }
    }
}

fn push_text(nodes: &mut [Node], stack: &[usize], text: &str) {
    let top = stack.last().copied().unwrap_or(0);
    if top == 0 {
        return;
    }
    if let Some(node) = nodes.get_mut(top) {
        node.text.push_str(text);
    }
}

impl<'a> XEl<'a> {
    fn node(&self) -> Option<&'a Node> {
        self.doc.nodes.get(self.id)
    }

    pub(crate) fn name(&self) -> &'a str {
        self.node().map_or("", |n| n.name.as_str())
    }

    pub(crate) fn attr(&self, name: &str) -> Option<&'a str> {
        self.node()?.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The element's own text, trimmed; `None` when empty.
    pub(crate) fn text(&self) -> Option<&'a str> {
        self.node().map(|n| n.text.trim()).filter(|t| !t.is_empty())
    }

    pub(crate) fn children(self) -> impl Iterator<Item = XEl<'a>> + 'a {
        let doc = self.doc;
        self.node().into_iter().flat_map(|n| n.children.iter()).map(move |&id| XEl { doc, id })
    }

    pub(crate) fn children_named(self, name: &'a str) -> impl Iterator<Item = XEl<'a>> + 'a {
        self.children().filter(move |c| c.name() == name)
    }

    pub(crate) fn child(&self, name: &str) -> Option<XEl<'a>> {
        self.children().find(|c| c.name() == name)
    }

    pub(crate) fn path(&self, names: &[&str]) -> Option<XEl<'a>> {
        let mut el = *self;
        for name in names {
            el = el.child(name)?;
        }
        Some(el)
    }

    /// The text at the end of a path of child names.
    pub(crate) fn text_at(&self, names: &[&str]) -> Option<&'a str> {
        self.path(names).and_then(|e| e.text())
    }

    /// Every element named `name` below this one, in document order, not looking inside a match.
    pub(crate) fn descendants(&self, name: &str) -> Vec<XEl<'a>> {
        crate::tree::descendants(*self, name)
    }
}

impl<'a> crate::tree::Node for XEl<'a> {
    fn node_name(&self) -> &str {
        self.name()
    }

    fn child_nodes(self) -> impl Iterator<Item = Self> {
        self.children()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_attribute_reads_as_its_first() {
        let doc = Doc::parse("<Amt Ccy=\"EUR\" x=\"1\" Ccy=\"USD\">1.00</Amt>").unwrap();
        let amt = doc.root().child("Amt").unwrap();
        assert_eq!(amt.attr("Ccy"), Some("EUR"));
        assert_eq!(amt.attr("x"), Some("1"));
        assert_eq!(amt.text(), Some("1.00"));
    }
}
