//! The build manifest: what a build left in its output folder, so that the build after
//! next, which reuses that folder as its staging folder (see `output`), can trust an
//! unchanged file without reading it back.
//!
//! Comparing every page with the file already there costs reading the whole previous output
//! (hundreds of megabytes for a large catalog, from disk when the page cache has dropped
//! it). The manifest records for each file its length, a hash of its content and a stamp of
//! the file on disk (inode and change time, which any write, rename or replacement of the
//! file changes). A file whose stamp still matches holds what was recorded; one whose stamp
//! does not, or that the manifest does not know, is compared by content as before. So a
//! missing, stale or damaged manifest only makes a build slower, never its output wrong.
//!
//! The hash is seeded with a random number kept in the manifest, which lives in the
//! reserve and is never published: nobody who only writes offering files can make a page
//! whose hash matches an older page on purpose.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::{self, Metadata};
use std::hash::{BuildHasher, RandomState};
use std::io;
use std::path::Path;

/// The manifest of the reserve's own files, kept inside the reserve.
pub const OWN: &str = ".csp-manifest";
/// The manifest of the published output (the folder that becomes the next reserve). It
/// is kept in the reserve too, because nothing but the site may be published.
pub const PUBLISHED: &str = ".csp-manifest-published";
const HEADER: &str = "csp-manifest 1";

/// One file as a build left it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FileRecord {
    len: u64,
    hash: u128,
    stamp: Stamp,
}

/// Identifies one version of a file on disk: a write changes the change time, a
/// replacement (rename over it, delete and create) the inode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Stamp {
    inode: u64,
    changed_secs: i64,
    changed_nanos: i64,
}

impl Stamp {
    #[cfg(unix)]
    fn of(meta: &Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            inode: meta.ino(),
            changed_secs: meta.ctime(),
            changed_nanos: meta.ctime_nsec(),
        }
    }

    /// Without inodes and change times: the modification time alone.
    #[cfg(not(unix))]
    fn of(meta: &Metadata) -> Stamp {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .unwrap_or_default();
        Stamp {
            inode: 0,
            changed_secs: modified.as_secs() as i64,
            changed_nanos: i64::from(modified.subsec_nanos()),
        }
    }
}

/// The files of one output folder by key (see `output::file_key`), with the seed their
/// hashes were made with.
#[derive(Debug)]
pub struct Manifest {
    seed: u64,
    files: HashMap<String, FileRecord>,
}

impl Manifest {
    /// An empty manifest with a fresh random seed.
    pub fn with_fresh_seed() -> Manifest {
        Manifest {
            seed: RandomState::new().hash_one(std::process::id()),
            files: HashMap::new(),
        }
    }

    /// Reads a manifest; `None` when there is none or it is not one this version wrote.
    pub fn load(path: &Path) -> Option<Manifest> {
        let text = fs::read_to_string(path).ok()?;
        let mut lines = text.lines();
        let mut header = lines.next()?.split(' ');
        if header.next()? != "csp-manifest" || header.next()? != "1" {
            return None;
        }
        let seed = u64::from_str_radix(header.next()?, 16).ok()?;
        let mut files = HashMap::with_capacity(text.len() / 96);
        for line in lines {
            let mut fields = line.split('\t');
            let key = fields.next()?;
            let record = FileRecord {
                len: fields.next()?.parse().ok()?,
                hash: u128::from_str_radix(fields.next()?, 16).ok()?,
                stamp: Stamp {
                    inode: fields.next()?.parse().ok()?,
                    changed_secs: fields.next()?.parse().ok()?,
                    changed_nanos: fields.next()?.parse().ok()?,
                },
            };
            if !key.starts_with('/') || fields.next().is_some() {
                return None;
            }
            files.insert(key.to_owned(), record);
        }
        Some(Manifest { seed, files })
    }

    /// The manifest as it is stored (see [`Manifest::load`]).
    pub fn to_text(&self) -> String {
        let mut text = String::with_capacity(self.files.len() * 96 + 64);
        let _ = writeln!(text, "{HEADER} {:016x}", self.seed);
        let mut keys: Vec<&String> = self.files.keys().collect();
        keys.sort_unstable();
        for key in keys {
            let r = &self.files[key];
            let _ = writeln!(
                text,
                "{key}\t{}\t{:032x}\t{}\t{}\t{}",
                r.len, r.hash, r.stamp.inode, r.stamp.changed_secs, r.stamp.changed_nanos
            );
        }
        text
    }

    /// The same seed, no files: the manifest a build fills while it writes over the
    /// folder this one describes.
    pub fn successor(&self) -> Manifest {
        Manifest {
            seed: self.seed,
            files: HashMap::with_capacity(self.files.len()),
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The record of the file at `key` if it held content with this length and hash when
    /// it was recorded and, according to `path`'s metadata now, still does.
    pub fn vouch(&self, key: &str, path: &Path, len: u64, hash: u128) -> Option<FileRecord> {
        let record = self.files.get(key)?;
        if record.len != len || record.hash != hash {
            return None;
        }
        let meta = fs::symlink_metadata(path).ok()?;
        (meta.is_file() && meta.len() == len && Stamp::of(&meta) == record.stamp).then_some(*record)
    }

    /// A file as it is on disk now (`meta`), holding content with this length and hash.
    pub fn record(meta: &Metadata, hash: u128) -> FileRecord {
        FileRecord {
            len: meta.len(),
            hash,
            stamp: Stamp::of(meta),
        }
    }

    pub fn insert(&mut self, key: String, record: FileRecord) {
        self.files.insert(key, record);
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }
}

/// The hash of `content` in a manifest with this seed.
pub fn content_hash(seed: u64, content: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128_with_seed(content, seed)
}

/// Writes a manifest's text into `dir`; a failure only costs the next builds' speed.
pub fn save(dir: &Path, name: &str, text: &str) -> io::Result<()> {
    fs::write(dir.join(name), text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hash_in(manifest: &Manifest, content: &[u8]) -> u128 {
        content_hash(manifest.seed(), content)
    }

    #[test]
    fn a_manifest_reads_back_and_vouches_only_for_untouched_files() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("index.html");
        fs::write(&page, b"seite").unwrap();
        let mut manifest = Manifest::with_fresh_seed();
        let hash = hash_in(&manifest, b"seite");
        let meta = fs::metadata(&page).unwrap();
        manifest.insert("/index.html".into(), Manifest::record(&meta, hash));
        save(dir.path(), OWN, &manifest.to_text()).unwrap();

        let loaded = Manifest::load(&dir.path().join(OWN)).unwrap();
        assert_eq!(loaded.file_count(), 1);
        assert_eq!(hash_in(&loaded, b"seite"), hash);
        assert!(loaded.vouch("/index.html", &page, 5, hash).is_some());
        // Other content, another key, or the file rewritten (even with the same bytes).
        assert!(
            loaded
                .vouch("/index.html", &page, 5, hash_in(&loaded, b"Seite"))
                .is_none()
        );
        assert!(loaded.vouch("/a/index.html", &page, 5, hash).is_none());
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&page, b"seite").unwrap();
        assert!(loaded.vouch("/index.html", &page, 5, hash).is_none());

        // Seeds differ between manifests; a successor keeps its predecessor's.
        assert_ne!(hash_in(&Manifest::with_fresh_seed(), b"seite"), hash);
        assert_eq!(hash_in(&loaded.successor(), b"seite"), hash);
    }

    #[test]
    fn a_damaged_manifest_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(OWN);
        for text in [
            "",
            "csp-manifest 2 00\n",
            "csp-manifest 1 zz\n",
            "csp-manifest 1 0f\n/index.html\t5\n",
            "csp-manifest 1 0f\nindex.html\t5\t0\t1\t2\t3\n",
            "csp-manifest 1 0f\n/index.html\t5\t0\t1\t2\t3\t4\n",
        ] {
            fs::write(&path, text).unwrap();
            assert!(Manifest::load(&path).is_none(), "{text:?}");
        }
        fs::write(&path, "csp-manifest 1 0f\n/index.html\t5\t0\t1\t2\t3\n").unwrap();
        assert_eq!(Manifest::load(&path).unwrap().file_count(), 1);
    }
}
