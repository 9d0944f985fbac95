//! Watching `content/` and the theme, and deciding what a change means.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::event::ModifyKind;
use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher as _};

/// What a changed file asks the preview to redo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    /// One offering file: its detail and order pages and the listings it appears on.
    Offering(PathBuf),
    /// A CSS, JavaScript or other static file of the theme: copy that file.
    Asset(PathBuf),
    /// A template: re-render the pages.
    Template(PathBuf),
    /// Anything else in `content/` (providers, portfolio, model, FAQ, pages): reload all.
    Content(PathBuf),
}

/// The roots a change is classified against (canonical, so events' absolute paths match).
pub struct Roots {
    pub content: PathBuf,
    pub theme: PathBuf,
}

impl Roots {
    pub fn classify(&self, path: &Path) -> Option<ChangeKind> {
        let name = path.file_name()?.to_string_lossy();
        // Editors' swap and backup files are not content.
        if name.starts_with('.')
            || name.ends_with('~')
            || name.ends_with(".swp")
            || name.ends_with(".tmp")
        {
            return None;
        }
        if let Ok(relative) = path.strip_prefix(&self.content) {
            // Editors and tools save through temporary files (`sedXy12`, `4913`, `x.yaml~`):
            // only content files themselves count.
            if !path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "md" || e == "sha256")
            {
                return None;
            }
            let mut parts = relative.components();
            let first = parts.next()?.as_os_str().to_string_lossy().into_owned();
            let is_offering = first == catalog::OFFERINGS_DIR
                && relative.components().count() == 2
                && path.extension().is_some_and(|e| e == "yaml");
            return Some(if is_offering {
                ChangeKind::Offering(path.to_path_buf())
            } else {
                ChangeKind::Content(path.to_path_buf())
            });
        }
        if let Ok(relative) = path.strip_prefix(&self.theme) {
            let first = relative
                .components()
                .next()?
                .as_os_str()
                .to_string_lossy()
                .into_owned();
            return match first.as_str() {
                "static" => Some(ChangeKind::Asset(path.to_path_buf())),
                // Tera loads `.html` files only; anything else there is not a template.
                "templates" if path.extension().is_some_and(|e| e == "html") => {
                    Some(ChangeKind::Template(path.to_path_buf()))
                }
                "templates" => None,
                _ => None,
            };
        }
        None
    }
}

/// Files changed together.
pub struct Batch {
    /// When the first of them was reported.
    pub noticed: Instant,
    pub paths: Vec<PathBuf>,
}

/// Either watcher kind, kept alive as long as the preview runs.
pub enum Watcher {
    Native(RecommendedWatcher),
    Poll(PollWatcher),
}

/// Starts watching; batches of changed files arrive on the returned channel, each batch
/// collected until `debounce` passes without a further change, with the time of its first
/// event (the log and `/__csp/status` count a rebuild's time from there). `poll` is for network drives
/// and containers, where inotify does not report changes.
pub fn watch(
    roots: &Roots,
    poll: bool,
    debounce: Duration,
) -> anyhow::Result<(Watcher, mpsc::Receiver<Batch>)> {
    let (raw_tx, raw_rx) = mpsc::channel::<(Instant, PathBuf)>();
    let handler = move |result: notify::Result<notify::Event>| {
        let Ok(event) = result else { return };
        // Only writes, creations, renames and removals: reading files (which every build
        // does) must not trigger another build.
        if matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
        ) && !matches!(event.kind, EventKind::Modify(ModifyKind::Metadata(_)))
        {
            let now = Instant::now();
            for path in event.paths {
                let _ = raw_tx.send((now, path));
            }
        }
    };
    let config = notify::Config::default().with_poll_interval(Duration::from_millis(200));
    let mut watcher = if poll {
        Watcher::Poll(PollWatcher::new(
            handler,
            config.with_compare_contents(false),
        )?)
    } else {
        Watcher::Native(RecommendedWatcher::new(handler, config)?)
    };
    for root in [&roots.content, &roots.theme] {
        match &mut watcher {
            Watcher::Native(w) => w.watch(root, RecursiveMode::Recursive)?,
            Watcher::Poll(w) => w.watch(root, RecursiveMode::Recursive)?,
        }
    }
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        while let Ok((noticed, first)) = raw_rx.recv() {
            let mut paths = vec![first];
            while let Ok((_, next)) = raw_rx.recv_timeout(debounce) {
                paths.push(next);
            }
            paths.retain(|p| !p.is_dir());
            paths.sort();
            paths.dedup();
            if !paths.is_empty() && tx.send(Batch { noticed, paths }).is_err() {
                return;
            }
        }
    });
    Ok((watcher, rx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_changes_by_what_they_affect() {
        let roots = Roots {
            content: PathBuf::from("/x/content"),
            theme: PathBuf::from("/x/themes/default"),
        };
        let kind = |p: &str| roots.classify(Path::new(p));
        assert_eq!(
            kind("/x/content/offerings/dmessenger.yaml"),
            Some(ChangeKind::Offering(
                "/x/content/offerings/dmessenger.yaml".into()
            ))
        );
        assert!(matches!(
            kind("/x/content/providers/dataport.yaml"),
            Some(ChangeKind::Content(_))
        ));
        assert!(matches!(
            kind("/x/themes/default/static/site.css"),
            Some(ChangeKind::Asset(_))
        ));
        assert!(matches!(
            kind("/x/themes/default/templates/detail.html"),
            Some(ChangeKind::Template(_))
        ));
        assert_eq!(kind("/x/content/offerings/.dmessenger.yaml.swp"), None);
        assert_eq!(kind("/x/content/offerings/sedPlUnv3"), None);
        assert_eq!(kind("/x/themes/default/templates/4913"), None);
        assert_eq!(kind("/elsewhere/file.yaml"), None);
    }
}
