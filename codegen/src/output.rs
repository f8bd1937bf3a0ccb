//! Writing artefacts: all or nothing, never a half-written file.
//!
//! Every artefact is first written to a temporary file in the output directory and
//! synced; only when all of them are complete are they renamed over the old files.
//! A rename is atomic on POSIX file systems, so a reader (or an interrupted run) sees
//! either the old file or the new one. A failure before the renames leaves every
//! existing output byte for byte as it was; a failure during them puts back the
//! files already renamed. Unchanged files are not rewritten, so
//! their modification times (and any build depending on them) stay put.

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

/// Write every artefact into `dir` (created if missing) all or nothing: each is
/// written to a temporary file beside its place and renamed over it only when all
/// are complete; a rename that fails puts back the files already replaced. Files
/// already right are not touched.
///
/// # Errors
/// The directory or a file cannot be created, written or renamed.
pub fn write_all(dir: &Path, artefacts: &[Artefact]) -> Result<WriteReport, OutputError> {
    std::fs::create_dir_all(dir).map_err(|error| OutputError {
        path: dir.to_owned(),
        error,
    })?;
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
        let prefix = format!(".{}.", a.file_name);
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix);
        // A generated file is an ordinary file: `rw-rw-rw-` less the umask, as any
        // tool's output (a temporary file alone would be `rw-------`).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let mut tmp = builder.tempfile_in(dir).map_err(err)?;
        tmp.write_all(a.contents.as_bytes()).map_err(err)?;
        tmp.as_file().sync_all().map_err(err)?;
        staged.push((tmp, path));
    }
    // Every file is complete on disk: now swap them in. Keep what each one replaces,
    // so a failed rename (a directory in the way, a vanished disk) can put back the
    // files already swapped and leave the directory as it was.
    let mut swapped: Vec<(PathBuf, Option<Vec<u8>>)> = Vec::new();
    for (tmp, path) in staged {
        let previous = std::fs::read(&path).ok();
        if let Err(e) = tmp.persist(&path) {
            for (done, old) in swapped.iter().rev() {
                restore(done, old.as_deref());
            }
            return Err(OutputError {
                path: path.clone(),
                error: e.error,
            });
        }
        swapped.push((path.clone(), previous));
        report.written.push(path);
    }
    Ok(report)
}

/// Put `path` back as it was: the old bytes (atomically), or no file at all.
fn restore(path: &Path, old: Option<&[u8]>) {
    match old {
        Some(bytes) => {
            let dir = path.parent().unwrap_or(Path::new("."));
            if let Ok(mut tmp) = tempfile::Builder::new()
                .prefix(".vmlayout-restore.")
                .tempfile_in(dir)
                && tmp.write_all(bytes).is_ok()
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
