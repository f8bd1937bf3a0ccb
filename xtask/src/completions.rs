//! `cargo xtask completions [--out DIR]`: shell completions for bash, zsh, fish,
//! elvish and PowerShell (clap_complete) and the man pages (clap_mangen) of the
//! `vmlayout` command line, from its own definition (`vmlayout::cli::command`), so
//! they never drift from it. Written to `target/assets/` unless `--out` says where.

use std::path::{Path, PathBuf};

use clap_complete::Shell;

use crate::repo;

/// The shells completions are written for.
const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

fn options(args: &[String]) -> Result<PathBuf, String> {
    match args {
        [] => Ok(repo().join("target/assets")),
        [flag, dir] if flag == "--out" => Ok(PathBuf::from(dir)),
        _ => Err("usage: cargo xtask completions [--out DIR]".into()),
    }
}

pub fn run(args: &[String]) -> Result<u8, String> {
    let out = options(args)?;
    let written = write_all(&out)?;
    for path in &written {
        eprintln!("xtask: wrote {}", path.display());
    }
    Ok(0)
}

/// Every completion script and man page into `out`; the paths written.
pub fn write_all(out: &Path) -> Result<Vec<PathBuf>, String> {
    let completions = out.join("completions");
    let man = out.join("man");
    for dir in [&completions, &man] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut written = Vec::new();
    for shell in SHELLS {
        let mut command = vmlayout::cli::command();
        let path = clap_complete::generate_to(shell, &mut command, "vmlayout", &completions)
            .map_err(|e| format!("{shell} completions: {e}"))?;
        written.push(path);
    }
    // One page for the command and one per subcommand (`vmlayout-check.1`, …).
    clap_mangen::generate_to(vmlayout::cli::command(), &man)
        .map_err(|e| format!("man pages: {e}"))?;
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&man)
        .map_err(|e| format!("{}: {e}", man.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    pages.sort();
    written.extend(pages);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    /// A fresh directory under the system's temporary one.
    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("vmlayout-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// Every subcommand and long option of the CLI is in the completions and the
    /// man pages, and bash completes a subcommand's prefix and an option's value.
    #[test]
    fn completions_and_man_pages_cover_the_command_line() {
        let out = scratch("assets");
        let written = super::write_all(&out).expect("written");
        let cli = vmlayout::cli::command();
        // A page for the command and one per subcommand (`help` has none).
        let pages = 1 + cli
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .count();
        assert_eq!(written.len(), 5 + pages, "five shells and the man pages");
        let read = |p: &str| std::fs::read_to_string(out.join(p)).expect(p);
        let bash = read("completions/vmlayout.bash");
        let zsh = read("completions/_vmlayout");
        let fish = read("completions/vmlayout.fish");
        let man = read("man/vmlayout.1");
        // roff writes a hyphen `\-`.
        let roff = |text: &str| text.replace('-', "\\-");
        for sub in cli.get_subcommands() {
            let name = sub.get_name();
            for script in [&bash, &zsh, &fish] {
                assert!(script.contains(name), "subcommand {name}");
            }
            assert!(man.contains(name), "man page lists {name}");
            let page = read(&format!("man/vmlayout-{name}.1"));
            for arg in sub.get_arguments().filter_map(|a| a.get_long()) {
                assert!(
                    page.contains(&roff(arg)),
                    "vmlayout-{name}.1 documents --{arg}"
                );
                assert!(bash.contains(&format!("--{arg}")), "bash completes --{arg}");
            }
        }
        for arg in cli.get_arguments().filter_map(|a| a.get_long()) {
            assert!(man.contains(&roff(arg)), "vmlayout.1 documents --{arg}");
        }
        // Bash itself, where it exists: `vmlayout ge<TAB>` and
        // `vmlayout check --message-format <TAB>`.
        // Bash calls the function with the command, the word under the cursor and
        // the one before it.
        let complete = |words: &str, cword: usize| -> Option<String> {
            let script = format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{words}'; COMP_POINT=${{#COMP_LINE}}; _vmlayout vmlayout \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; echo \"${{COMPREPLY[@]}}\"",
                out.join("completions/vmlayout.bash").display()
            );
            let o = Command::new("bash").args(["-c", &script]).output().ok()?;
            Some(String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        if let Some(reply) = complete("vmlayout ge", 1) {
            assert_eq!(reply, "generate");
            let formats = complete("vmlayout check --message-format ''", 3).unwrap();
            assert!(
                formats.contains("human") && formats.contains("json"),
                "{formats}"
            );
        }
        let _ = std::fs::remove_dir_all(&out);
    }
}
