//! The path of a field inside its file (`plans[0].price`), written out only for a diagnostic.
//!
//! Decoding reads about a hundred fields per offering and almost all of them are fine, so the
//! path is a chain of borrowed links on the stack, not a `String` per field: building those
//! strings cost more than a tenth of decoding.

use std::fmt;

#[derive(Debug, Clone, Copy)]
pub(crate) enum FieldPath<'a> {
    /// The whole file.
    Root,
    /// `parent.key`, or just `key` when the parent is written as nothing.
    Key(&'a FieldPath<'a>, &'a str),
    /// `parent[index]`.
    Index(&'a FieldPath<'a>, usize),
}

impl<'a> FieldPath<'a> {
    pub fn key(&'a self, key: &'a str) -> FieldPath<'a> {
        FieldPath::Key(self, key)
    }

    pub fn index(&'a self, index: usize) -> FieldPath<'a> {
        FieldPath::Index(self, index)
    }

    /// Whether the path is written as nothing (the whole file, or keys that are all empty).
    pub fn is_empty(&self) -> bool {
        match self {
            FieldPath::Root => true,
            FieldPath::Key(parent, key) => key.is_empty() && parent.is_empty(),
            FieldPath::Index(..) => false,
        }
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldPath::Root => Ok(()),
            FieldPath::Key(parent, key) => {
                parent.fmt(f)?;
                if !parent.is_empty() {
                    f.write_str(".")?;
                }
                f.write_str(key)
            }
            FieldPath::Index(parent, index) => {
                parent.fmt(f)?;
                write!(f, "[{index}]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_paths_like_the_format_document() {
        let root = FieldPath::Root;
        assert_eq!(root.to_string(), "");
        let plans = root.key("plans");
        let first = plans.index(0);
        assert_eq!(first.key("price").to_string(), "plans[0].price");
        let levels = root.key("maturity");
        assert_eq!(
            levels.key("levels").key("sbom").to_string(),
            "maturity.levels.sbom"
        );
        // An empty key joins like an empty prefix: nothing before the next dot.
        let empty = root.key("");
        assert!(empty.is_empty());
        assert_eq!(empty.key("x").to_string(), "x");
        assert_eq!(empty.index(2).to_string(), "[2]");
    }
}
