//! The logical structure tree of the tagged PDF.
//!
//! Layout adds one node per structure element (H1, P, TH, ...); the writer then links every
//! marked-content sequence it draws (`BDC /P <</MCID n>> ... EMC`) to its node. From this model
//! the PDF gets its `/StructTreeRoot`, the structure elements and the `/ParentTree`, which is
//! what screen readers and reflow use instead of the drawn page.

use pdf_writer::types::{StructRole, TableHeaderScope};
use pdf_writer::{Chunk, Finish, Name, Ref, TextStr};

/// Index of a node in a [`StructTree`].
pub(crate) type NodeId = usize;

/// The structure types this crate produces, all from the standard set of PDF 1.7.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Document,
    H1,
    H2,
    H3,
    P,
    Table,
    TR,
    TH,
    TD,
    L,
    LI,
    Lbl,
    LBody,
}

impl Role {
    fn struct_role(self) -> StructRole {
        match self {
            Role::Document => StructRole::Document,
            Role::H1 => StructRole::H1,
            Role::H2 => StructRole::H2,
            Role::H3 => StructRole::H3,
            Role::P => StructRole::P,
            Role::Table => StructRole::Table,
            Role::TR => StructRole::TR,
            Role::TH => StructRole::TH,
            Role::TD => StructRole::TD,
            Role::L => StructRole::L,
            Role::LI => StructRole::LI,
            Role::Lbl => StructRole::Lbl,
            Role::LBody => StructRole::LBody,
        }
    }

    /// The tag of the marked-content sequences that belong to an element of this role.
    pub(crate) fn tag(self) -> Name<'static> {
        self.struct_role().to_name()
    }
}

/// A child of a structure element: another element or a marked-content sequence on a page.
#[derive(Debug)]
enum Kid {
    Node(NodeId),
    Content { page: usize, mcid: i32 },
}

#[derive(Debug)]
struct Node {
    role: Role,
    parent: Option<NodeId>,
    kids: Vec<Kid>,
    actual_text: Option<String>,
}

/// The structure tree; node 0 ([`StructTree::ROOT`]) is the Document element.
#[derive(Debug)]
pub(crate) struct StructTree {
    nodes: Vec<Node>,
}

impl StructTree {
    /// The Document element, parent of all top-level elements.
    pub(crate) const ROOT: NodeId = 0;

    pub(crate) fn new() -> Self {
        let root = Node {
            role: Role::Document,
            parent: None,
            kids: Vec::new(),
            actual_text: None,
        };
        StructTree { nodes: vec![root] }
    }

    /// Appends an element as the last child of `parent`.
    pub(crate) fn add(&mut self, role: Role, parent: NodeId) -> NodeId {
        let id = self.nodes.len();
        self.nodes.push(Node {
            role,
            parent: Some(parent),
            kids: Vec::new(),
            actual_text: None,
        });
        self.nodes[parent].kids.push(Kid::Node(id));
        id
    }

    pub(crate) fn role(&self, node: NodeId) -> Role {
        self.nodes[node].role
    }

    /// Records that marked content `mcid` on page `page` (0-based) belongs to `node`.
    pub(crate) fn add_content(&mut self, node: NodeId, page: usize, mcid: i32) {
        self.nodes[node].kids.push(Kid::Content { page, mcid });
    }

    /// Sets the text a reader should use instead of the drawn glyphs, for elements whose
    /// text had characters WinAnsi cannot show.
    pub(crate) fn set_actual_text(&mut self, node: NodeId, text: &str) {
        self.nodes[node].actual_text = Some(text.to_owned());
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Writes one structure element per node. `node_refs[i]` is the object of node `i`,
    /// `root` the `/StructTreeRoot` (the Document element's parent), `page_refs` the pages.
    pub(crate) fn write(&self, chunk: &mut Chunk, node_refs: &[Ref], root: Ref, page_refs: &[Ref]) {
        for (node, &id) in self.nodes.iter().zip(node_refs) {
            let mut element = chunk.struct_element(id);
            element.kind(node.role.struct_role());
            element.parent(node.parent.map_or(root, |parent| node_refs[parent]));
            // The page of the first marked content; content on other pages names its own.
            let home_page = node.kids.iter().find_map(|kid| match kid {
                Kid::Content { page, .. } => Some(*page),
                Kid::Node(_) => None,
            });
            if let Some(page) = home_page {
                element.page(page_refs[page]);
            }
            if let Some(text) = &node.actual_text {
                element.actual_text(TextStr(text));
            }
            if node.role == Role::TH {
                // The facts table has its headers in the first column: each labels its row.
                element
                    .attributes()
                    .push()
                    .table()
                    .scope(TableHeaderScope::Row);
            }
            if !node.kids.is_empty() {
                let mut children = element.children();
                for kid in &node.kids {
                    match *kid {
                        Kid::Node(child) => {
                            children.struct_element(node_refs[child]);
                        }
                        Kid::Content { page, mcid } if Some(page) == home_page => {
                            children.marked_content_id(mcid);
                        }
                        Kid::Content { page, mcid } => {
                            children
                                .marked_content_ref()
                                .page(page_refs[page])
                                .marked_content_id(mcid);
                        }
                    }
                }
                children.finish();
            }
            element.finish();
        }
    }
}
