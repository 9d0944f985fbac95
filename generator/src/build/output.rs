//! Writing the build: a staging folder beside each target, swapped in only when the whole
//! build succeeded. A failed build leaves the previous output exactly as it was.
//!
//! The site's staging folder is not built from nothing when it can be helped. Creating
//! 50,000 files and folders and deleting as many afterwards is most of a large build's
//! time on ext4 (without a journal, as on the build machines, ext4 skips inodes deleted
//! in the last minutes one by one when it allocates new ones, so creating files right after
//! deleting many slows down more and more). So the output before the previous one is kept
//! beside the target as a reserve (`.public.reserve`): the next build renames it to its
//! staging folder, rewrites only the files whose content changed, removes the files that
//! are no longer part of the site, and after the swap the previous output becomes the new
//! reserve. No file is created or deleted when nothing changed, and the swap is still two
//! renames. Each build records what it left in its folder (see `manifest`), so the build
//! that reuses the folder next trusts an unchanged file without reading it back.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};

use super::manifest::{self, Manifest};

/// A folder being built beside its target (`public` → `public.neu-<pid>`).
pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
    committed: bool,
    /// Built from the reserve: holds an older output that is overwritten file by file.
    reused: bool,
    /// The previous output becomes the reserve when this one is swapped in.
    keep_reserve: bool,
    /// What the reused folder held when the build that wrote it finished (see `manifest`).
    previous: Option<Manifest>,
    /// The manifest of the current output, handed on to the reserve it becomes.
    published: Option<String>,
    /// What this build leaves in the folder, recorded when it keeps a reserve.
    written: Option<Mutex<Manifest>>,
    /// The seed of `written`'s hashes, to hash without holding its lock.
    seed: u64,
    /// How many files [`Staging::write`] found in place: vouched for by the manifest, or
    /// compared by content; the rest it wrote.
    vouched: AtomicUsize,
    compared: AtomicUsize,
}

impl Staging {
    /// A new, empty staging folder; the previous output is removed after the swap.
    pub fn new(target: &Path) -> io::Result<Staging> {
        let dir = prepare(target)?;
        fs::create_dir(&dir)?;
        Ok(Staging {
            dir,
            target: target.to_owned(),
            committed: false,
            reused: false,
            keep_reserve: false,
            previous: None,
            published: None,
            written: None,
            seed: 0,
            vouched: AtomicUsize::new(0),
            compared: AtomicUsize::new(0),
        })
    }

    /// A staging folder made from the reserve when there is one (see the module
    /// documentation); the previous output becomes the reserve after the swap. Write into
    /// it with [`Staging::write`] and finish with [`Staging::remove_stale`].
    pub fn reusing(target: &Path) -> io::Result<Staging> {
        let dir = prepare(target)?;
        // Renaming claims the reserve: a second build at the same time finds none.
        let reused = fs::rename(reserve(target), &dir).is_ok();
        let (mut previous, mut published) = (None, None);
        if reused {
            // Read and removed at once: from here on the folder changes under them.
            let own = dir.join(manifest::OWN);
            previous = Manifest::load(&own);
            let _ = fs::remove_file(own);
            let public = dir.join(manifest::PUBLISHED);
            published = fs::read_to_string(&public).ok();
            let _ = fs::remove_file(public);
        } else {
            fs::create_dir(&dir)?;
        }
        let written = previous
            .as_ref()
            .map_or_else(Manifest::with_fresh_seed, Manifest::successor);
        Ok(Staging {
            dir,
            target: target.to_owned(),
            committed: false,
            reused,
            keep_reserve: true,
            previous,
            published,
            seed: written.seed(),
            written: Some(Mutex::new(written)),
            vouched: AtomicUsize::new(0),
            compared: AtomicUsize::new(0),
        })
    }

    /// Writes one file of the site (see [`write_in_place`]), unless the folder holds it
    /// already; returns its key. A file the manifest vouches for is not even read.
    pub fn write(&self, url_path: &str, bytes: &[u8]) -> io::Result<String> {
        let (key, path) = place(&self.dir, url_path);
        let Some(written) = &self.written else {
            if self.found_in_place(&path, bytes).is_none() {
                write_in_place(&self.dir, &path, bytes)?;
            }
            return Ok(key);
        };
        let hash = manifest::content_hash(self.seed, bytes);
        let len = bytes.len() as u64;
        let record = match self
            .previous
            .as_ref()
            .and_then(|m| m.vouch(&key, &path, len, hash))
        {
            Some(record) => {
                self.vouched.fetch_add(1, Ordering::Relaxed);
                record
            }
            None => {
                let meta = match self.found_in_place(&path, bytes) {
                    Some(meta) => {
                        self.compared.fetch_add(1, Ordering::Relaxed);
                        meta
                    }
                    None => write_in_place(&self.dir, &path, bytes)?,
                };
                Manifest::record(&meta, hash)
            }
        };
        lock(written).insert(key.clone(), record);
        Ok(key)
    }

    /// The metadata of the file at `path` if it holds `bytes` already. Only a reused folder
    /// can: a new one starts empty and each file is written once, so nothing is read back
    /// (on a large site the failed opens alone cost tenths of a second).
    fn found_in_place(&self, path: &Path, bytes: &[u8]) -> Option<fs::Metadata> {
        if self.reused {
            same_content(path, bytes)
        } else {
            None
        }
    }

    /// How many files [`Staging::write`] left in place: vouched for by the manifest, and
    /// found equal by reading them.
    pub fn kept(&self) -> (usize, usize) {
        (
            self.vouched.load(Ordering::Relaxed),
            self.compared.load(Ordering::Relaxed),
        )
    }

    /// Whether the folder holds an older output (files may exist already).
    pub fn reused(&self) -> bool {
        self.reused
    }

    /// Every file below the staging folder, as keys like [`file_key`] gives them.
    pub fn existing_files(&self) -> io::Result<Vec<String>> {
        let mut files = Vec::new();
        if self.reused {
            list_files(&self.dir, &mut String::new(), &mut files)?;
        }
        Ok(files)
    }

    /// Removes the files in `existing` that this build did not write (`written`), and the
    /// folders that become empty; returns how many files were removed.
    pub fn remove_stale(
        &self,
        existing: &[String],
        written: &HashSet<String>,
    ) -> io::Result<usize> {
        let mut removed = 0;
        for key in existing.iter().filter(|key| !written.contains(*key)) {
            let path = self.dir.join(key.trim_start_matches('/'));
            match fs::remove_file(&path) {
                Ok(()) => removed += 1,
                // Gone already with a folder that a file of the new site replaced.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                    ) => {}
                Err(e) => return Err(e),
            }
            // Up the tree while folders are empty (remove_dir fails on the first that is not).
            let mut folder = path.parent();
            while let Some(dir) = folder.filter(|d| *d != self.dir) {
                if fs::remove_dir(dir).is_err() {
                    break;
                }
                folder = dir.parent();
            }
        }
        Ok(removed)
    }

    /// Moves the finished folder into place and removes or keeps the previous output.
    pub fn commit(mut self) -> io::Result<()> {
        let written = self.written.take().map(|m| {
            m.into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .to_text()
        });
        let reserve = reserve(&self.target);
        let keep = self.keep_reserve && !reserve.exists();
        let old = if keep {
            reserve
        } else {
            let old = sibling(&self.target, "alt");
            if old.exists() {
                fs::remove_dir_all(&old)?;
            }
            old
        };
        let had_previous = self.target.exists();
        if had_previous {
            fs::rename(&self.target, &old)?;
        }
        if let Err(error) = fs::rename(&self.dir, &self.target) {
            if had_previous {
                // Put the previous output back; the staging folder is handled on drop.
                let _ = fs::rename(&old, &self.target);
            }
            return Err(error);
        }
        self.committed = true;
        if had_previous && !keep {
            fs::remove_dir_all(&old)?;
        }
        if had_previous && keep {
            mark_reserve(&old);
            // The manifests ride along with the folders they describe (see `manifest`).
            if let Some(text) = &self.published {
                let _ = manifest::save(&old, manifest::OWN, text);
            }
            if let Some(text) = &written {
                let _ = manifest::save(&old, manifest::PUBLISHED, text);
            }
        }
        Ok(())
    }
}

/// Puts a `.gitignore` that ignores everything into the reserve, so it never shows up as
/// new files in a repository (beside `public/`, which is ignored by name). The next build
/// removes it with the other files that are not part of the site.
fn mark_reserve(reserve: &Path) {
    let _ = fs::write(
        reserve.join(".gitignore"),
        "# csp build: an older output, reused by the next build. Never commit or publish it.\n*\n",
    );
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // A failed build: the reserve goes back to where it was (its content does not
            // matter, every file is compared when it is reused), a new folder is removed.
            let reserve = reserve(&self.target);
            if self.reused && fs::rename(&self.dir, &reserve).is_ok() {
                mark_reserve(&reserve);
            } else {
                let _ = fs::remove_dir_all(&self.dir);
            }
        }
    }
}

/// The staging folder's path, with any leftover of an earlier run of this process removed
/// and the parent created.
fn prepare(target: &Path) -> io::Result<PathBuf> {
    let dir = sibling(target, "neu");
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    Ok(dir)
}

fn target_name(target: &Path) -> String {
    target
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned())
}

fn sibling(target: &Path, tag: &str) -> PathBuf {
    let name = target_name(target);
    target.with_file_name(format!("{name}.{tag}-{}", std::process::id()))
}

/// Where the output before the previous one is kept (`public` → `.public.reserve`).
pub fn reserve(target: &Path) -> PathBuf {
    let name = target_name(target);
    target.with_file_name(format!(".{name}.reserve"))
}

/// Lists the files below `dir` as keys. It runs while the build writes into the folder: a
/// folder that a file of the new site replaced meanwhile is skipped (its files are gone).
fn list_files(dir: &Path, prefix: &mut String, files: &mut Vec<String>) -> io::Result<()> {
    let nested = !prefix.is_empty();
    let gone = |e: &io::Error| {
        nested
            && matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            )
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if gone(&e) => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) if gone(&e) => continue,
            Err(e) => return Err(e),
        };
        let is_dir = match entry.file_type() {
            Ok(kind) => kind.is_dir(),
            Err(e) if gone(&e) => continue,
            Err(e) => return Err(e),
        };
        let len = prefix.len();
        prefix.push('/');
        prefix.push_str(&entry.file_name().to_string_lossy());
        if is_dir {
            list_files(&entry.path(), prefix, files)?;
        } else {
            files.push(prefix.clone());
        }
        prefix.truncate(len);
    }
    Ok(())
}

/// The file a URL path is served from: `/a/` → `a/index.html`, `/a.json` → `a.json`.
pub fn file_key(url_path: &str) -> String {
    if url_path.ends_with('/') {
        format!("{url_path}index.html")
    } else {
        url_path.to_owned()
    }
}

/// The key of a URL path (see [`file_key`]) and the file below `root` it is written to.
fn place(root: &Path, url_path: &str) -> (String, PathBuf) {
    let key = file_key(url_path);
    let path = root.join(key.trim_start_matches('/'));
    (key, path)
}

/// Writes one file of the site below `root`; returns its key (see [`file_key`]).
pub fn write(root: &Path, url_path: &str, bytes: &[u8]) -> io::Result<String> {
    let (key, path) = place(root, url_path);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(&path, bytes)?;
    Ok(key)
}

/// Writing into a folder that is being served: a changed file is written beside
/// its place and renamed over it, so that a reader gets the old file or the new one, never
/// half of one (`csp serve` keeps serving while it rebuilds).
pub fn replace_if_changed(root: &Path, url_path: &str, bytes: &[u8]) -> io::Result<String> {
    let (key, path) = place(root, url_path);
    if same_content(&path, bytes).is_some() {
        return Ok(key);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.tmp"));
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(&temporary, bytes)?;
    fs::rename(&temporary, &path)?;
    Ok(key)
}

/// Writes the file at `path` below `root`, into a folder that may hold an older output:
/// anything in the way (a folder where the file goes, or a file where a folder goes) is
/// replaced. Returns the written file's metadata.
fn write_in_place(root: &Path, path: &Path, bytes: &[u8]) -> io::Result<fs::Metadata> {
    let create = |path: &Path| -> io::Result<fs::Metadata> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut file = fs::File::create(path)?;
        file.write_all(bytes)?;
        file.metadata()
    };
    match create(path) {
        Ok(meta) => Ok(meta),
        Err(_) => {
            // Clear the way: a folder at the file's place, or files at its folders' places.
            if path.is_dir() {
                fs::remove_dir_all(path)?;
            }
            let mut ancestor = path.parent();
            while let Some(dir) = ancestor.filter(|d| *d != root) {
                if dir.is_file() {
                    fs::remove_file(dir)?;
                }
                ancestor = dir.parent();
            }
            create(path)
        }
    }
}

fn lock(manifest: &Mutex<Manifest>) -> std::sync::MutexGuard<'_, Manifest> {
    manifest.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Does the file at `path` hold exactly `bytes`? Its metadata if so. Compared in pieces,
/// so the exports of a large catalog (tens of megabytes) are not read into memory whole.
fn same_content(path: &Path, bytes: &[u8]) -> Option<fs::Metadata> {
    let mut file = fs::File::open(path).ok()?;
    let meta = file
        .metadata()
        .ok()
        .filter(|m| m.is_file() && m.len() == bytes.len() as u64)?;
    let mut buffer = vec![0; bytes.len().clamp(1, 64 * 1024)];
    let mut rest = bytes;
    loop {
        match file.read(&mut buffer) {
            // The end of the file: equal if nothing of `bytes` is left.
            Ok(0) => return rest.is_empty().then_some(meta),
            Ok(n) if n <= rest.len() && buffer[..n] == rest[..n] => rest = &rest[n..],
            Ok(_) => return None,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

static MINIFY: LazyLock<minify_html::Cfg> = LazyLock::new(|| {
    let mut cfg = minify_html::Cfg::new();
    // Valid, predictable HTML for validators and assistive technology over the last byte.
    cfg.keep_html_and_head_opening_tags = true;
    cfg.keep_closing_tags = true;
    cfg.minify_css = false;
    cfg.minify_js = false;
    cfg
});

pub fn minify(html: &str) -> Vec<u8> {
    minify_html::minify(html.as_bytes(), &MINIFY)
}

/// Minifies a stylesheet by wrapping it in a `<style>` element, which minify-html minifies
/// with lightningcss. (Scripts: see `assets::minify_script`.)
pub fn minify_stylesheet(text: &str) -> String {
    let mut cfg = minify_html::Cfg::new();
    cfg.minify_css = true;
    let wrapped = format!("<style>{text}</style>");
    let out = String::from_utf8_lossy(&minify_html::minify(wrapped.as_bytes(), &cfg)).into_owned();
    let open = out.find('>').map_or(0, |i| i + 1);
    let close = out.rfind("</").unwrap_or(out.len());
    out[open..close].to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeMap;

    fn tree(dir: &Path) -> BTreeMap<String, String> {
        let mut keys = Vec::new();
        list_files(dir, &mut String::new(), &mut keys).unwrap();
        keys.into_iter()
            .map(|k| {
                let text = fs::read_to_string(dir.join(k.trim_start_matches('/'))).unwrap();
                (k, text)
            })
            .collect()
    }

    /// Builds `files` into `target`; returns how many files were left in place because the
    /// manifest vouched for them, and how many after comparing their content.
    fn build(target: &Path, files: &[(&str, &str)]) -> (usize, usize) {
        let staging = Staging::reusing(target).unwrap();
        let existing = staging.existing_files().unwrap();
        let mut written = HashSet::new();
        for (url, text) in files {
            written.insert(staging.write(url, text.as_bytes()).unwrap());
        }
        staging.remove_stale(&existing, &written).unwrap();
        let kept = staging.kept();
        staging.commit().unwrap();
        kept
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_reserve_is_reused_and_ends_up_like_a_new_folder() {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("public");
        build(&target, &[("/", "eins"), ("/a/", "a1"), ("/b/c/", "c1")]);
        assert_eq!(names(out.path()), ["public"]);
        build(&target, &[("/", "zwei"), ("/a/", "a2"), ("/b/c/", "c2")]);
        assert_eq!(names(out.path()), [".public.reserve", "public"]);
        // The third build starts from the first output: one file the same, one changed, one
        // new, one gone (its folders too), a file where a folder was and the other way round.
        build(
            &target,
            &[
                ("/", "eins"),
                ("/a/", "a3"),
                ("/neu/", "n3"),
                ("/b", "b als Datei"),
            ],
        );
        assert_eq!(names(out.path()), [".public.reserve", "public"]);
        let expected: BTreeMap<String, String> = [
            ("/index.html", "eins"),
            ("/a/index.html", "a3"),
            ("/neu/index.html", "n3"),
            ("/b", "b als Datei"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(tree(&target), expected);
        // The previous output is the reserve now, untouched but for its `.gitignore` and the
        // manifests (of itself and of the output).
        let kept = tree(&reserve(&target));
        assert_eq!(kept["/b/c/index.html"], "c2");
        assert!(kept["/.gitignore"].ends_with("\n*\n"));
        assert!(kept[&format!("/{}", manifest::OWN)].contains("/b/c/index.html\t2\t"));
        assert!(kept[&format!("/{}", manifest::PUBLISHED)].contains("/neu/index.html\t2\t"));
        assert_eq!(kept.len(), 6);
        build(&target, &[("/b/c/", "c4")]);
        assert_eq!(
            tree(&target),
            BTreeMap::from([("/b/c/index.html".to_owned(), "c4".to_owned())])
        );
    }

    #[test]
    fn a_failed_build_puts_the_reserve_back_and_leaves_the_output_alone() {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("public");
        build(&target, &[("/", "eins")]);
        build(&target, &[("/", "zwei")]);
        let staging = Staging::reusing(&target).unwrap();
        assert!(staging.reused());
        staging.write("/", b"halb fertig").unwrap();
        drop(staging);
        assert_eq!(names(out.path()), [".public.reserve", "public"]);
        assert_eq!(
            tree(&target),
            BTreeMap::from([("/index.html".to_owned(), "zwei".to_owned())])
        );
        assert!(reserve(&target).join(".gitignore").is_file());
    }

    #[test]
    fn unchanged_files_are_trusted_only_while_the_manifest_matches_them() {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("public");
        let site = [("/", "start"), ("/a/", "seite a"), ("/b/", "seite b")];
        // The first two builds have no manifest of their staging folder yet.
        assert_eq!(build(&target, &site), (0, 0));
        assert_eq!(build(&target, &site), (0, 0));
        assert_eq!(build(&target, &site), (0, 3));
        assert_eq!(build(&target, &site), (3, 0));

        // A file of the reserve changed behind the build's back, to the same length: the
        // build after the next one must not take the manifest's word for it.
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(reserve(&target).join("a/index.html"), "seite x").unwrap();
        assert_eq!(build(&target, &site), (2, 0));
        assert_eq!(tree(&target)["/a/index.html"], "seite a");
        // Replaced by another file (another inode) with the right content: read, and kept.
        let b = reserve(&target).join("b/index.html");
        fs::remove_file(&b).unwrap();
        fs::write(&b, "seite b").unwrap();
        assert_eq!(build(&target, &site), (2, 1));

        // A damaged manifest: every file is compared by content, the output is still right.
        fs::write(reserve(&target).join(manifest::OWN), "csp-manifest 1 xyz\n").unwrap();
        fs::write(reserve(&target).join("index.html"), "Start").unwrap();
        assert_eq!(build(&target, &site), (0, 2));
        let expected: BTreeMap<String, String> = site
            .iter()
            .map(|(url, text)| (file_key(url), (*text).to_owned()))
            .collect();
        assert_eq!(tree(&target), expected);
        // Nothing of the manifests is ever published.
        assert!(!tree(&target).keys().any(|k| k.contains("csp-manifest")));
    }

    #[test]
    fn compares_content_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        let same = |path: &Path, bytes: &[u8]| same_content(path, bytes).is_some();
        assert!(!same(&path, b"abc"));
        fs::write(&path, b"abc").unwrap();
        assert!(same(&path, b"abc"));
        assert!(!same(&path, b"abd"));
        assert!(!same(&path, b"ab"));
        assert!(!same(&path, b"abcd"));
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &big).unwrap();
        assert!(same(&path, &big));
        let mut other = big.clone();
        other[150_000] ^= 1;
        assert!(!same(&path, &other));
        assert!(same(&path, &big));
        fs::write(&path, b"").unwrap();
        assert!(same(&path, b""));
        assert!(!same(dir.path(), b""));
    }
}
