//! A forgiving reader for OFX markup: the SGML of OFX 1.x, whose leaf elements are never closed
//! (`<TRNAMT>-12.50` then a new line), the XML of OFX 2.x, and the many files in between (an XML
//! header over unclosed leaves, `<CODE>0<CODE>`, empty `<NAME></NAME>`, CDATA, comments).
//!
//! It builds a tree the way OFX's grammar implies: an element that received text is a leaf and
//! ends at the next tag; an element that got neither text nor a closing tag before its parent
//! closed was an empty leaf, so whatever was read as its children is handed back to the parent.

use std::collections::HashMap;

use crate::error::FormatError;

/// How deep elements may nest: real OFX stays under 15 levels.
const MAX_DEPTH: usize = 256;

#[derive(Debug)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
}

#[derive(Debug)]
struct Node {
    /// Upper case: OFX names are case-insensitive in practice.
    name: String,
    text: String,
    /// Whether `text` holds more than whitespace, kept as text arrives: an aggregate's blank text
    /// is looked at before each of its children.
    has_text: bool,
    children: Vec<usize>,
}

impl Node {
    fn new(name: String) -> Node {
        Node { name, text: String::new(), has_text: false, children: Vec::new() }
    }
}

/// One element of the tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct El<'a> {
    tree: &'a Tree,
    id: usize,
}

impl Tree {
    pub(crate) fn parse(text: &str) -> Result<Tree, FormatError> {
        let mut builder = Builder { nodes: vec![Node::new(String::new())], stack: vec![0], open: HashMap::new() };
        let mut rest = text;
        while !rest.is_empty() {
            let Some(lt) = rest.find('<') else {
                builder.text(&decode_entities(rest));
                break;
            };
            if lt > 0 {
                builder.text(&decode_entities(rest.get(..lt).unwrap_or_default()));
            }
            rest = rest.get(lt..).unwrap_or_default();
            if let Some(after) = rest.strip_prefix("<!--") {
                rest = after.find("-->").and_then(|end| after.get(end + 3..)).unwrap_or_default();
            } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
                let end = after.find("]]>").unwrap_or(after.len());
                builder.text(after.get(..end).unwrap_or_default());
                rest = after.get(end + 3..).unwrap_or_default();
            } else if rest.starts_with("<?") || rest.starts_with("<!") {
                rest = rest.find('>').and_then(|end| rest.get(end + 1..)).unwrap_or_default();
            } else {
                match tag(rest) {
                    Some((Tag::Start(name), after)) => {
                        builder.start(name)?;
                        rest = after;
                    }
                    Some((Tag::Empty(name), after)) => {
                        builder.start(name)?;
                        builder.end(name);
                        rest = after;
                    }
                    Some((Tag::End(name), after)) => {
                        builder.end(name);
                        rest = after;
                    }
                    None => {
                        // A lone `<` in text (`A<B`): keep it as text.
                        builder.text("<");
                        rest = rest.get(1..).unwrap_or_default();
                    }
                }
            }
        }
        Ok(Tree { nodes: builder.nodes })
    }

    pub(crate) fn root(&self) -> El<'_> {
        El { tree: self, id: 0 }
    }
}

enum Tag<'a> {
    Start(&'a str),
    End(&'a str),
    Empty(&'a str),
}

/// Reads `<NAME>`, `</NAME>` or `<NAME/>` at the start of `s`; `None` when it is no tag.
///
/// A tag ends at the first `>`, and is no tag when another `<` comes before it: the search stops
/// at whichever comes first, so a lone `<` costs only the text up to the next `<`, never the
/// rest of the file.
fn tag(s: &str) -> Option<(Tag<'_>, &str)> {
    let body = s.get(1..)?;
    let close = body.find(['<', '>'])?;
    let (inner, rest) = body.split_at_checked(close)?;
    let after = rest.strip_prefix('>')?;
    let (end, inner) = match inner.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, inner),
    };
    let (empty, inner) = match inner.trim_end().strip_suffix('/') {
        Some(rest) => (true, rest),
        None => (false, inner),
    };
    let name = inner.trim_start().split(|c: char| c.is_whitespace()).next()?;
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'));
    if !valid {
        return None;
    }
    Some((
        match (end, empty) {
            (true, _) => Tag::End(name),
            (false, true) => Tag::Empty(name),
            (false, false) => Tag::Start(name),
        },
        after,
    ))
}

struct Builder {
    nodes: Vec<Node>,
    /// Open elements, the document root first.
    stack: Vec<usize>,
    /// How many elements of each name are open: a closing tag for none of them is dropped
    /// without searching the stack.
    open: HashMap<String, usize>,
}

impl Builder {
    fn top(&self) -> usize {
        self.stack.last().copied().unwrap_or(0)
    }

    fn push(&mut self, id: usize) {
        if let Some(node) = self.nodes.get(id) {
            *self.open.entry(node.name.clone()).or_default() += 1;
        }
        self.stack.push(id);
    }

    fn pop(&mut self) -> Option<usize> {
        let id = self.stack.pop()?;
        if let Some(node) = self.nodes.get(id)
            && let Some(count) = self.open.get_mut(&node.name)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.open.remove(&node.name);
            }
        }
        Some(id)
    }

    fn text(&mut self, text: &str) {
        let top = self.top();
        if top == 0 {
            // Header lines and whitespace outside the root element.
            return;
        }
        if let Some(node) = self.nodes.get_mut(top) {
            // Text after an aggregate's children is stray whitespace or junk: not a value.
            if node.children.is_empty() {
                node.text.push_str(text);
                node.has_text = node.has_text || !text.trim().is_empty();
            }
        }
    }

    fn start(&mut self, name: &str) -> Result<(), FormatError> {
        // A leaf that received text ends at the next tag.
        let top = self.top();
        if top != 0 && self.nodes.get(top).is_some_and(|n| n.has_text) {
            self.pop();
        }
        if self.stack.len() > MAX_DEPTH {
            return Err(FormatError::syntax(format!("elements nest deeper than {MAX_DEPTH} levels: this is not OFX")));
        }
        let id = self.nodes.len();
        self.nodes.push(Node::new(name.to_ascii_uppercase()));
        let parent = self.top();
        if let Some(parent) = self.nodes.get_mut(parent) {
            parent.children.push(id);
        }
        self.push(id);
        Ok(())
    }

    fn end(&mut self, name: &str) {
        if !self.open.contains_key(name.to_ascii_uppercase().as_str()) {
            // A closing tag for a leaf already ended, or for nothing: ignore it.
            return;
        }
        // Found among the elements it closes, so the search costs no more than the closing.
        let Some(at) = self
            .stack
            .iter()
            .rposition(|&id| id != 0 && self.nodes.get(id).is_some_and(|n| n.name.eq_ignore_ascii_case(name)))
        else {
            return;
        };
        // Elements above the one closing were never closed themselves: leaves. The children of
        // those that got no text go to the element below, gathered from the top down in reverse
        // (so each is moved once, however many levels it falls).
        let mut orphans: Vec<usize> = Vec::new();
        while self.stack.len() > at + 1 {
            let Some(id) = self.pop() else { break };
            let Some(node) = self.nodes.get_mut(id) else { continue };
            if node.has_text {
                node.children.extend(orphans.drain(..).rev());
            } else {
                orphans.extend(std::mem::take(&mut node.children).into_iter().rev());
            }
        }
        let parent = self.top();
        if let Some(parent) = self.nodes.get_mut(parent) {
            parent.children.extend(orphans.into_iter().rev());
        }
        self.pop();
    }
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        rest = rest.get(amp..).unwrap_or_default();
        let semi = rest.bytes().take(12).position(|b| b == b';');
        let decoded = semi.and_then(|semi| {
            let entity = rest.get(1..semi)?;
            let c = match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => ' ',
                _ => {
                    let number = entity.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = rest.get(semi + 1..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = rest.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

impl<'a> El<'a> {
    fn node(&self) -> Option<&'a Node> {
        self.tree.nodes.get(self.id)
    }

    pub(crate) fn name(&self) -> &'a str {
        self.node().map_or("", |n| n.name.as_str())
    }

    /// The element's value, trimmed; `None` when empty.
    pub(crate) fn text(&self) -> Option<&'a str> {
        self.node().map(|n| n.text.trim()).filter(|t| !t.is_empty())
    }

    pub(crate) fn children(self) -> impl Iterator<Item = El<'a>> + 'a {
        let tree = self.tree;
        self.node().into_iter().flat_map(|n| n.children.iter()).map(move |&id| El { tree, id })
    }

    pub(crate) fn children_named(self, name: &'a str) -> impl Iterator<Item = El<'a>> + 'a {
        self.children().filter(move |c| c.name() == name)
    }

    pub(crate) fn child(&self, name: &str) -> Option<El<'a>> {
        self.children().find(|c| c.name() == name)
    }

    /// The value of the child leaf `name`.
    pub(crate) fn leaf(&self, name: &str) -> Option<&'a str> {
        self.child(name).and_then(|c| c.text())
    }

    /// Follows a path of child names (`["SONRS", "STATUS", "CODE"]`).
    pub(crate) fn path(&self, names: &[&str]) -> Option<El<'a>> {
        let mut el = *self;
        for name in names {
            el = el.child(name)?;
        }
        Some(el)
    }

    /// Every element named `name` below this one, in document order, not looking inside a match.
    pub(crate) fn descendants(&self, name: &str) -> Vec<El<'a>> {
        crate::tree::descendants(*self, name)
    }
}

impl<'a> crate::tree::Node for El<'a> {
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

    fn dump(el: El<'_>, depth: usize, out: &mut String) {
        for child in el.children() {
            out.push_str(&"  ".repeat(depth));
            out.push_str(child.name());
            if let Some(t) = child.text() {
                out.push('=');
                out.push_str(t);
            }
            out.push('\n');
            dump(child, depth + 1, out);
        }
    }

    fn tree(s: &str) -> String {
        let tree = Tree::parse(s).unwrap();
        let mut out = String::new();
        dump(tree.root(), 0, &mut out);
        out
    }

    #[test]
    fn unclosed_leaves_end_at_the_next_tag() {
        assert_eq!(tree("<A><B>1\n<C>2</A>"), "A\n  B=1\n  C=2\n");
    }

    #[test]
    fn empty_unclosed_leaves_give_back_what_followed() {
        assert_eq!(tree("<A><B><C>x</C><D>y</A>"), "A\n  B\n  C=x\n  D=y\n");
        assert_eq!(tree("<S><CODE>0<CODE><SEV>INFO</SEV></S>"), "S\n  CODE=0\n  CODE\n  SEV=INFO\n");
    }

    #[test]
    fn children_of_empty_leaves_fall_through_every_level() {
        assert_eq!(tree("<R><A><B><C><D>x</D><E>y</A><G>1</R>"), "R\n  A\n    B\n    C\n    D=x\n    E=y\n  G=1\n");
        assert_eq!(tree("<A><B>1</X></b><C>2</A></A>"), "A\n  B=1\n  C=2\n");
    }

    #[test]
    fn entities_cdata_and_comments() {
        assert_eq!(tree("<A><N>AT&amp;T &#233;<!-- c --></N><M><![CDATA[a<b]]></M></A>"), "A\n  N=AT&T é\n  M=a<b\n");
    }

    #[test]
    fn lone_angle_bracket_is_text() {
        assert_eq!(tree("<A><N>a < b</A>"), "A\n  N=a < b\n");
    }
}
