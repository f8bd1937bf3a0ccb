//! Writing artefacts: all or nothing, never a half-written file.
//!
//! Every artefact is first written to a temporary file in the output directory and
//! synced; only when all of them are complete are they renamed over the old files.
//! A rename is atomic on POSIX file systems, so a reader (or an interrupted run) sees
//! either the old file or the new one. A failure before the renames leaves every
//! existing output byte for byte as it was; a failure during them puts back the
//! files already renamed. Unchanged files are not rewritten, so
//! their modification times (and any build depending on them) stay put.
//!
//! One run at a time: a run holds an exclusive lock on `.vmlayout.lock` in the
//! output directory while it writes, so two runs into one directory never mix
//! their files, and it first removes the temporary files a killed run left.
//! An output that is a symbolic link is replaced by a regular file (the rename
//! replaces the link; what it pointed at is not touched).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::emit::Artefact;

#[derive(Debug)]
/// A file in the output directory could not be written; nothing was left half-written.
#[non_exhaustive]
pub struct OutputError {
    /// The file (or directory) concerned.
    pub path: PathBuf,
    /// What the system said.
    pub error: std::io::Error,
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "error: cannot write {}: {}",
            self.path.display(),
            self.error
        )
    }
}

impl std::error::Error for OutputError {}

/// What `write_all` did with each file.
#[derive(Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteReport {
    /// Files replaced with new contents.
    pub written: Vec<PathBuf>,
    /// Files whose contents were already right, left untouched.
    pub unchanged: Vec<PathBuf>,
}

/// The lock file in an output directory: held (an exclusive file lock) while a
/// run writes the set, so two runs into one directory never mix their files.
pub const LOCK_FILE: &str = ".vmlayout.lock";

/// Write every artefact into `dir` (created if missing) all or nothing: each is
/// written to a temporary file beside its place and renamed over it only when all
/// are complete; a rename that fails puts back the files already replaced. Files
/// already right are not touched. The whole run holds an exclusive lock on
/// [`LOCK_FILE`] in `dir`, and first removes temporary files a killed run left.
///
/// # Errors
/// The directory, the lock or a file cannot be created, locked, written or renamed.
pub fn write_all(dir: &Path, artefacts: &[Artefact]) -> Result<WriteReport, OutputError> {
    if dir.exists() && !dir.is_dir() {
        return Err(OutputError {
            path: dir.to_owned(),
            error: std::io::Error::other("it is a file, not a directory"),
        });
    }
    std::fs::create_dir_all(dir).map_err(|error| OutputError {
        path: dir.to_owned(),
        error,
    })?;
    let lock_path = dir.join(LOCK_FILE);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .and_then(|file| file.lock().map(|()| file))
        .map_err(|error| OutputError {
            path: lock_path.clone(),
            error,
        })?;
    remove_leftovers(dir, artefacts);
    let result = write_locked(dir, artefacts);
    drop(lock); // unlocks
    result
}

/// Temporary files of this set that a run killed mid-write left behind (only a
/// run holding the lock writes them, and this one holds it now).
fn remove_leftovers(dir: &Path, artefacts: &[Artefact]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name.ends_with(".tmp")
            && (name.starts_with(".vmlayout-restore.")
                || artefacts
                    .iter()
                    .any(|a| name.starts_with(&format!(".{}.", a.file_name))));
        if ours {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn write_locked(dir: &Path, artefacts: &[Artefact]) -> Result<WriteReport, OutputError> {
    let mut staged = Vec::new();
    let mut report = WriteReport::default();
    for a in artefacts {
        let path = dir.join(a.file_name);
        if std::fs::read(&path).is_ok_and(|old| old == a.contents.as_bytes()) {
            report.unchanged.push(path);
            continue;
        }
        let err = |error| OutputError {
            path: path.clone(),
            error,
        };
        let mut tmp = Staged::create(dir, &format!(".{}.", a.file_name)).map_err(err)?;
        tmp.file.write_all(a.contents.as_bytes()).map_err(err)?;
        tmp.file.sync_all().map_err(err)?;
        staged.push((tmp, path));
    }
    // Every file is complete on disk: now swap them in. Keep what each one replaces,
    // so a failed rename (a directory in the way, a vanished disk) can put back the
    // files already swapped and leave the directory as it was.
    let mut swapped: Vec<(PathBuf, Option<Vec<u8>>)> = Vec::new();
    for (tmp, path) in staged {
        let previous = std::fs::read(&path).ok();
        if let Err(error) = tmp.persist(&path) {
            for (done, old) in swapped.iter().rev() {
                restore(done, old.as_deref());
            }
            return Err(OutputError {
                path: path.clone(),
                error,
            });
        }
        swapped.push((path.clone(), previous));
        report.written.push(path);
    }
    Ok(report)
}

/// A new file beside its destination, removed unless it is renamed into place.
///
/// Written with the standard library alone rather than with the `tempfile` crate:
/// a kernel's build script writes its artefacts through here, and every kernel
/// build would compile that crate's platform layer (rustix, libc) for these few
/// lines. The name is unique by creation (`create_new`, retried on a clash), so
/// two runs at once never share a file.
struct Staged {
    path: PathBuf,
    file: std::fs::File,
    persisted: bool,
}

impl Staged {
    /// `dir/<prefix><pid>.<n>.tmp`, created new: `rw-rw-rw-` less the umask on
    /// Unix, as any tool's output.
    fn create(dir: &Path, prefix: &str) -> std::io::Result<Staged> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        for _ in 0..1000 {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("{prefix}{}.{stamp}.{n}.tmp", std::process::id()));
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o666);
            match options.open(&path) {
                Ok(file) => {
                    return Ok(Staged {
                        path,
                        file,
                        persisted: false,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "no free name for a temporary file",
        ))
    }

    /// Rename it over `to` (atomic on POSIX file systems).
    fn persist(mut self, to: &Path) -> std::io::Result<()> {
        std::fs::rename(&self.path, to)?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Put `path` back as it was: the old bytes (atomically), or no file at all.
fn restore(path: &Path, old: Option<&[u8]>) {
    match old {
        Some(bytes) => {
            let dir = path.parent().unwrap_or(Path::new("."));
            if let Ok(mut tmp) = Staged::create(dir, ".vmlayout-restore.")
                && tmp.file.write_all(bytes).is_ok()
            {
                let _ = tmp.persist(path);
            }
        }
        None => {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The artefacts whose file in `dir` is missing or differs.
pub fn stale(dir: &Path, artefacts: &[Artefact]) -> Vec<PathBuf> {
    artefacts
        .iter()
        .map(|a| dir.join(a.file_name))
        .zip(artefacts)
        .filter(|(path, a)| std::fs::read(path).map_or(true, |old| old != a.contents.as_bytes()))
        .map(|(path, _)| path)
        .collect()
}

#[cfg(test)]
mod staged_tests {
    use super::Staged;

    #[test]
    fn staged_files_are_unique_removed_unless_persisted_and_persist_by_rename() {
        let dir = tempfile::tempdir().unwrap();
        let a = Staged::create(dir.path(), ".x.").unwrap();
        let b = Staged::create(dir.path(), ".x.").unwrap();
        assert_ne!(a.path, b.path, "two at once never share a name");
        let (a_path, b_path) = (a.path.clone(), b.path.clone());
        drop(a);
        assert!(!a_path.exists(), "dropped without persisting: removed");
        let to = dir.path().join("out");
        b.persist(&to).unwrap();
        assert!(
            to.exists() && !b_path.exists(),
            "persisted: renamed into place"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
