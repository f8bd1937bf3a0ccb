//! Shared helpers for vmlayout's integration tests (the test targets are listed
//! in this crate's Cargo.toml; each sits at the top of `tests/`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository")
        .to_path_buf()
}

/// The default layout and every plan in `tests/layouts/`, as (short name, path).
pub fn valid_layouts() -> Vec<(String, PathBuf)> {
    let mut layouts = vec![("default".to_string(), repo().join("layout.toml"))];
    let mut others: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/layouts"))
        .expect("tests/layouts exists")
        .map(|e| e.expect("readable directory").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    others.sort();
    for p in others {
        layouts.push((p.file_stem().unwrap().to_string_lossy().into_owned(), p));
    }
    layouts
}

/// Plan a layout file or panic with its rendered diagnostics.
pub fn plan(path: &Path) -> vmlayout::Plan {
    vmlayout::plan_from_file(path)
        .unwrap_or_else(|e| panic!("{} should be valid:\n{e}", path.display()))
}

/// A path relative to the repository, for stable snapshot text.
pub fn relative(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Plan the layout file at `path`, which must be rejected: no panic, no I/O error,
/// every diagnostic inside the file. Diagnostics name the file `{shown_dir}/{name}`
/// so snapshots do not depend on where the repository is checked out.
pub fn reject(path: &Path, shown_dir: &str) -> vmlayout::LayoutError {
    let shown = format!(
        "{shown_dir}/{}",
        path.file_name().expect("a file").to_string_lossy()
    );
    let err = match std::panic::catch_unwind(|| vmlayout::plan_from_file(path)) {
        Ok(Ok(_)) => panic!("{shown} should be rejected"),
        Ok(Err(vmlayout::LoadError::Layout(mut e))) => {
            e.path = shown;
            e
        }
        Ok(Err(other)) => panic!("{shown}: {other} instead of a diagnostic"),
        Err(_) => panic!("{shown}: vmlayout panicked"),
    };
    for d in err.diagnostics.iter() {
        assert!(
            d.span.end <= err.source.len(),
            "{}: span {:?} outside the file",
            err.path,
            d.span
        );
    }
    err
}

/// Run an external tool (a compiler, a linker); its output when it fails.
///
/// # Errors
/// The tool cannot be started (`cargo xtask test` installs the ones the tests
/// use) or exits unsuccessfully: the command and what it printed.
pub fn run(command: &mut Command) -> Result<(), String> {
    let out = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e} (`cargo xtask test` installs it)"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The path of the toolchain's own rust-lld.
pub fn rust_lld() -> String {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .expect("rustc runs");
    let sysroot = String::from_utf8(sysroot.stdout).expect("a UTF-8 path");
    format!(
        "{}/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld",
        sysroot.trim()
    )
}

/// Link an empty riscv64 object with the linker script `script` in `dir`, with
/// GNU ld and, when `lld` is set, rust-lld too (into `dir`).
///
/// # Errors
/// Either linker fails: its command and output.
pub fn link_empty(dir: &Path, script: &str, lld: bool) -> Result<(), String> {
    let d = |f: &str| dir.join(f);
    run(Command::new("riscv64-linux-gnu-as")
        .arg("-o")
        .arg(d("empty.o"))
        .arg("/dev/null"))?;
    run(Command::new("riscv64-linux-gnu-ld")
        .arg("-T")
        .arg(d(script))
        .arg(d("empty.o"))
        .arg("-o")
        .arg(d("gnu.elf")))?;
    if lld {
        run(Command::new(rust_lld())
            .args(["-flavor", "gnu", "-T"])
            .arg(d(script))
            .arg(d("empty.o"))
            .arg("-o")
            .arg(d("lld.elf")))?;
    }
    Ok(())
}

/// `text` as a TOML basic string with every character escaped (`\UXXXXXXXX`), so
/// any text — quotes, newlines, control characters — fits in a layout.
pub fn toml_string(text: &str) -> String {
    let escaped: String = text
        .chars()
        .map(|c| format!("\\U{:08X}", c as u32))
        .collect();
    format!("\"{escaped}\"")
}

/// The file `relative` (to the repository) holds `fresh`, a generated text kept in
/// the repository; `VMLAYOUT_BLESS=1` rewrites it first.
///
/// # Panics
/// When the file differs: the message says to run `how`.
pub fn assert_fresh(relative: &str, fresh: &str, how: &str) {
    let path = repo().join(relative);
    if std::env::var_os("VMLAYOUT_BLESS").is_some() {
        std::fs::write(&path, fresh).unwrap_or_else(|e| panic!("{relative}: {e}"));
    }
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        shipped == fresh,
        "{relative} is stale: run `{how}` and commit it"
    );
}
