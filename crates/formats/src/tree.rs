//! What the SGML (OFX 1.x) and XML (OFX 2.x, CAMT.053) element trees share: walking them.

/// An element of a parsed document: a name and child elements.
pub(crate) trait Node: Copy {
    fn node_name(&self) -> &str;
    fn child_nodes(self) -> impl Iterator<Item = Self>;
}

/// Every element named `name` below `root`, in document order, not looking inside a match.
pub(crate) fn descendants<N: Node>(root: N, name: &str) -> Vec<N> {
    let mut found = Vec::new();
    let mut pending: Vec<N> = root.child_nodes().collect();
    pending.reverse();
    while let Some(el) = pending.pop() {
        if el.node_name() == name {
            found.push(el);
            continue;
        }
        let before = pending.len();
        pending.extend(el.child_nodes());
        if let Some(added) = pending.get_mut(before..) {
            added.reverse();
        }
    }
    found
}
