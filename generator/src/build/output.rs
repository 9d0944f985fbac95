//! Writing the build: a fresh staging folder beside each target, swapped in only when the
//! whole build succeeded. A failed build removes its staging folder and leaves the previous
//! output exactly as it was.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// A folder being built beside its target (`public` → `public.neu-<pid>`).
pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    pub fn new(target: &Path) -> io::Result<Staging> {
        let dir = sibling(target, "neu");
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        fs::create_dir(&dir)?;
        Ok(Staging {
            dir,
            target: target.to_owned(),
            committed: false,
        })
    }

    /// Moves the finished folder into place; the previous output is removed afterwards.
    pub fn commit(mut self) -> io::Result<()> {
        let old = sibling(&self.target, "alt");
        if old.exists() {
            fs::remove_dir_all(&old)?;
        }
        let had_previous = self.target.exists();
        if had_previous {
            fs::rename(&self.target, &old)?;
        }
        if let Err(error) = fs::rename(&self.dir, &self.target) {
            if had_previous {
                // Put the previous output back; the staging folder is removed on drop.
                let _ = fs::rename(&old, &self.target);
            }
            return Err(error);
        }
        self.committed = true;
        if had_previous {
            fs::remove_dir_all(&old)?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn sibling(target: &Path, tag: &str) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    target.with_file_name(format!("{name}.{tag}-{}", std::process::id()))
}

/// The file a URL path is served from: `/a/` → `a/index.html`, `/a.json` → `a.json`.
pub fn file_key(url_path: &str) -> String {
    if url_path.ends_with('/') {
        format!("{url_path}index.html")
    } else {
        url_path.to_owned()
    }
}

/// Writes one file of the site below `root`; returns its key (see [`file_key`]).
pub fn write(root: &Path, url_path: &str, bytes: &[u8]) -> io::Result<String> {
    let key = file_key(url_path);
    let path = root.join(key.trim_start_matches('/'));
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(&path, bytes)?;
    Ok(key)
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

/// Minifies a stylesheet or script by wrapping it in an element minify-html understands.
pub fn minify_asset(text: &str, tag: &str) -> String {
    let mut cfg = minify_html::Cfg::new();
    cfg.minify_css = tag == "style";
    cfg.minify_js = tag == "script";
    let wrapped = format!("<{tag}>{text}</{tag}>");
    let out = String::from_utf8_lossy(&minify_html::minify(wrapped.as_bytes(), &cfg)).into_owned();
    let open = out.find('>').map_or(0, |i| i + 1);
    let close = out.rfind("</").unwrap_or(out.len());
    out[open..close].to_owned()
}
