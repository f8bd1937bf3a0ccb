//! The `vmlayout` command line: exit codes, outputs, `--check`, and atomicity.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen/ sits in the repository")
        .to_path_buf()
}

fn vmlayout(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vmlayout"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("vmlayout runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

#[test]
fn check_accepts_the_default_and_defaults_to_layout_toml() {
    let o = vmlayout(&["check"], &repo());
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("ok"));
}

#[test]
fn invalid_layout_exits_1_with_diagnostics_on_stderr() {
    let o = vmlayout(&["check", "tests/invalid/overlap-regions.toml"], &repo());
    assert_eq!(code(&o), 1);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("tests/invalid/overlap-regions.toml:29:8"),
        "{err}"
    );
    assert!(err.contains("overlaps region `fdt`"), "{err}");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let repo = repo();
    assert_eq!(code(&vmlayout(&["frobnicate"], &repo)), 2);
    assert_eq!(
        code(&vmlayout(&["generate", "layout.toml"], &repo)),
        2,
        "--out is required"
    );
    assert_eq!(code(&vmlayout(&["check", "no-such-file.toml"], &repo)), 2);
    assert_eq!(code(&vmlayout(&["export", "--format", "yaml"], &repo)), 2);
}

#[test]
fn map_and_export_print_the_plan() {
    let repo = repo();
    let map = vmlayout(&["map"], &repo);
    assert_eq!(code(&map), 0);
    let text = String::from_utf8_lossy(&map.stdout);
    assert!(
        text.contains("0xffffffffc0a00000")
            && text.contains("fixmap")
            && text.contains("image_guard"),
        "{text}"
    );
    let json = vmlayout(&["export", "--format", "json"], &repo);
    assert_eq!(code(&json), 0);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v["mode"], "sv39");
}

#[test]
fn generate_writes_eight_files_and_check_detects_staleness() {
    let repo = repo();
    let out = tempfile::tempdir().expect("tempdir");
    let out_s = out.path().to_str().unwrap();
    let o = vmlayout(&["generate", "layout.toml", "--out", out_s], &repo);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "layout.rs",
        "layout.ld",
        "layout-plan.ld",
        "layout-boot-tables.ld",
        "layout.h",
        "MEMORY-MAP.md",
        "MEMORY-MAP.svg",
        "layout.json",
    ] {
        assert!(out.path().join(f).is_file(), "{f} written");
    }
    assert_eq!(
        code(&vmlayout(
            &["generate", "layout.toml", "--out", out_s, "--check"],
            &repo
        )),
        0
    );
    std::fs::write(out.path().join("layout.h"), "/* edited by hand */").unwrap();
    let o = vmlayout(
        &["generate", "layout.toml", "--out", out_s, "--check"],
        &repo,
    );
    assert_eq!(code(&o), 1);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("layout.h")
            && err.contains(&format!(
                "run `vmlayout generate layout.toml --out {out_s}`"
            ))
            && err.contains("(from the layout)")
            && err.contains("-/* edited by hand */")
            && err.contains("+#define FIXADDR_START"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(out.path().join("layout.h")).unwrap(),
        "/* edited by hand */",
        "--check writes nothing"
    );
}

#[test]
fn a_failed_generate_leaves_every_output_byte_for_byte() {
    let repo = repo();
    let out = tempfile::tempdir().expect("tempdir");
    let out_s = out.path().to_str().unwrap();
    assert_eq!(
        code(&vmlayout(
            &["generate", "layout.toml", "--out", out_s],
            &repo
        )),
        0
    );
    let snapshot = |dir: &Path| {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let before = snapshot(out.path());
    let o = vmlayout(
        &[
            "generate",
            "tests/invalid/several-errors-at-once.toml",
            "--out",
            out_s,
        ],
        &repo,
    );
    assert_eq!(code(&o), 1);
    assert_eq!(
        snapshot(out.path()),
        before,
        "no file changed, none added (no temporary left behind)"
    );
}

#[test]
fn a_write_that_fails_midway_rolls_back_the_files_already_written() {
    let repo = repo();
    let out = tempfile::tempdir().expect("tempdir");
    let out_s = out.path().to_str().unwrap();
    // Old outputs from another plan, so a successful write would change them.
    assert_eq!(
        code(&vmlayout(
            &["generate", "tests/layouts/sv48.toml", "--out", out_s],
            &repo
        )),
        0
    );
    // A directory where the last artefact goes: renaming over it fails after the
    // other four have been renamed into place.
    std::fs::remove_file(out.path().join("layout.json")).unwrap();
    std::fs::create_dir(out.path().join("layout.json")).unwrap();
    std::fs::write(out.path().join("layout.json/keep"), "x").unwrap();
    let before: Vec<(String, Vec<u8>)> = ["layout.rs", "layout.ld", "layout.h", "MEMORY-MAP.md"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(out.path().join(f)).unwrap()))
        .collect();
    let o = vmlayout(&["generate", "layout.toml", "--out", out_s], &repo);
    assert_eq!(
        code(&o),
        2,
        "an I/O failure: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    for (f, bytes) in &before {
        assert_eq!(
            &std::fs::read(out.path().join(f)).unwrap(),
            bytes,
            "{f} rolled back"
        );
    }
    let stray: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".vmlayout.lock")
        .collect();
    assert!(stray.is_empty(), "no temporary files left: {stray:?}");
}

/// Outputs are ordinary files: `rw-rw-rw-` less the umask, not a temporary
/// file's `rw-------`.
#[cfg(unix)]
#[test]
fn generated_files_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let out = tempfile::tempdir().unwrap();
    for (umask, mode) in [("022", 0o644), ("027", 0o640)] {
        let dir = out.path().join(umask);
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" generate layout.toml --out \"$1\""
            ))
            .arg(env!("CARGO_BIN_EXE_vmlayout"))
            .arg(&dir)
            .current_dir(repo())
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
        let got = std::fs::metadata(dir.join("layout.h"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(got, mode, "umask {umask}");
    }
}

/// `map` into a reader that closes the pipe early stops quietly: no panic, no
/// error, status 0. The plan is large enough that its map outgrows a pipe's buffer.
#[test]
fn map_into_a_closed_pipe_stops_quietly() {
    let base = std::fs::read_to_string(repo().join("layout.toml")).unwrap();
    let many: String = (0..600)
        .map(|i| {
            format!(
                "\n[[region]]\nname = \"r{i}\"\npurpose = \"reserved\"\ndescription = \"padding\"\nat = \"slot(100) + {}K\"\nsize = \"4K\"\nperms = \"r\"\n",
                i * 8
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.toml");
    std::fs::write(&file, base + &many).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vmlayout"))
        .arg("map")
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before reading anything
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--color always` colours diagnostics, `never` and `auto` off a terminal do not;
/// NO_COLOR does not override an explicit `always`.
#[test]
fn color_follows_the_flag() {
    let repo = repo();
    let run = |args: &[&str], no_color: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vmlayout"));
        cmd.args(args).current_dir(&repo);
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8_lossy(&out.stderr).contains('\u{1b}')
    };
    let bad = "tests/invalid/overlap-regions.toml";
    assert!(run(&["check", "--color", "always", bad], false));
    assert!(run(&["check", "--color", "always", bad], true));
    assert!(!run(&["check", "--color", "never", bad], false));
    assert!(!run(&["check", bad], false), "auto: stderr is a pipe here");
}

/// Every command's output into a closed pipe: no panic, the status it would have
/// had. (Standard output is closed before the command writes its one line.)
#[test]
fn check_and_generate_into_a_closed_pipe_do_not_panic() {
    let out = tempfile::tempdir().unwrap();
    let out_s = out.path().to_str().unwrap();
    for args in [
        vec!["check", "layout.toml"],
        vec!["generate", "layout.toml", "--out", out_s],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vmlayout"))
            .args(&args)
            .current_dir(repo())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&o.stderr).contains("panicked"),
            "{args:?}"
        );
    }
}

/// `vmlayout generate FILE --out OUT`, not yet run.
fn generate_cmd(file: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vmlayout"));
    cmd.arg("generate").arg(file).arg("--out").arg(out);
    cmd
}

/// Run `generate FILE --out OUT` to completion; it must succeed.
fn generate_now(file: &Path, out: &Path) {
    let o = generate_cmd(file, out).output().unwrap();
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
}

/// The outputs of `generate` in `dir`, by file name (the lock file left out).
fn outputs(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != ".vmlayout.lock")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Two plans whose outputs differ in every file, written to `dir` as a.toml and
/// b.toml; each one's outputs as generated alone into `out` (whose name the
/// preambles hold). `out` is left with b's.
fn two_plans(
    dir: &Path,
    out: &Path,
) -> [(PathBuf, std::collections::BTreeMap<String, Vec<u8>>); 2] {
    let base = std::fs::read_to_string(repo().join("layout.toml")).unwrap();
    // Many regions, so that a write takes long enough to be interrupted.
    let many = |tag: &str| -> String {
        (0..300)
            .map(|i| {
                format!(
                    "\n[[region]]\nname = \"{tag}{i}\"\npurpose = \"reserved\"\ndescription = \"{tag}\"\nat = \"slot(100) + {}K\"\nsize = \"4K\"\nperms = \"r\"\n",
                    i * 8
                )
            })
            .collect()
    };
    ["a", "b"].map(|tag| {
        let file = dir.join(format!("{tag}.toml"));
        std::fs::write(&file, base.clone() + &many(tag)).unwrap();
        generate_now(&file, out);
        (file, outputs(out))
    })
}

/// Crash safety: `generate` killed with SIGKILL at random moments, alternating
/// between two plans into one directory, leaves every output wholly the one
/// plan's or wholly the other's; the next complete run removes the temporary
/// files the killed runs left.
#[cfg(unix)]
#[test]
fn generate_killed_at_random_moments_never_leaves_a_half_written_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let plans = two_plans(dir.path(), &out);
    // A start: plan a complete.
    generate_now(&plans[0].0, &out);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let started = std::time::Instant::now();
    let mut rounds = 0;
    while rounds < 300 && started.elapsed() < std::time::Duration::from_secs(20) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let (file, _) = &plans[rounds % 2];
        let mut child = generate_cmd(file, &out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros(seed % 30_000));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        for (name, bytes) in outputs(&out) {
            if name.ends_with(".tmp") {
                continue; // a killed run's staging file: removed by the next complete run
            }
            assert!(
                plans.iter().any(|(_, set)| set.get(&name) == Some(&bytes)),
                "round {rounds}: {name} is neither plan's"
            );
        }
        rounds += 1;
    }
    assert!(rounds >= 50, "only {rounds} rounds");
    generate_now(&plans[1].0, &out);
    assert_eq!(
        outputs(&out),
        plans[1].1,
        "a complete run leaves exactly its set, no temporary file"
    );
}

/// Two `generate` runs into one directory at once: the lock makes one wait for
/// the other, so the set is wholly one plan's, never a mix.
#[test]
fn two_generate_runs_at_once_never_leave_a_mixed_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let plans = two_plans(dir.path(), &out);
    for round in 0..10 {
        let children: Vec<_> = plans
            .iter()
            .map(|(file, _)| {
                generate_cmd(file, &out)
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        let set = outputs(&out);
        assert!(
            plans.iter().any(|(_, p)| *p == set),
            "round {round}: the outputs mix the two plans"
        );
    }
}

/// An output that is a symbolic link is replaced by a regular file: the link is
/// not followed, so what it pointed at is left as it was (documented).
#[cfg(unix)]
#[test]
fn an_output_that_is_a_symlink_is_replaced_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let elsewhere = dir.path().join("elsewhere.h");
    std::fs::write(&elsewhere, "/* someone else's file */").unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("layout.h")).unwrap();
    let o = vmlayout(
        &["generate", "layout.toml", "--out", out.to_str().unwrap()],
        &repo(),
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let meta = std::fs::symlink_metadata(out.join("layout.h")).unwrap();
    assert!(
        meta.file_type().is_file(),
        "the link was replaced by a file"
    );
    assert_eq!(
        std::fs::read_to_string(&elsewhere).unwrap(),
        "/* someone else's file */"
    );
}

/// `line:column` (1-based, columns in characters) of a byte offset, computed here.
fn line_column(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line as u64, column as u64)
}

/// `--message-format json` on every bad input: each line is a JSON object; one
/// `diagnostic` per error the human rendering shows, each place consistent with its
/// byte span in the file, then one `finished` line; the exit code as without it.
#[test]
fn diagnostics_as_json_lines_match_the_human_rendering() {
    let repo = repo();
    let mut files: Vec<PathBuf> = ["tests/bad-inputs", "tests/invalid"]
        .iter()
        .flat_map(|d| std::fs::read_dir(repo.join(d)).expect("a folder of inputs"))
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() > 100, "{} inputs", files.len());
    for path in &files {
        let shown = path.strip_prefix(&repo).unwrap().to_str().unwrap();
        let human = vmlayout(&["check", shown], &repo);
        let json = vmlayout(&["check", "--message-format", "json", shown], &repo);
        assert_eq!(code(&json), code(&human), "{shown}");
        let bytes = std::fs::read(path).unwrap();
        // A file that is not UTF-8 is shown with its first bad byte: its place is
        // checked where it starts (the end lies inside a replacement character).
        let utf8 = std::str::from_utf8(&bytes).is_ok();
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{shown}: {e}: {l}")))
            .collect();
        let (last, diagnostics) = lines.split_last().expect("a finished line");
        assert_eq!(last["reason"], "finished", "{shown}");
        assert_eq!(last["success"], code(&human) == 0, "{shown}");
        let rendered = String::from_utf8_lossy(&human.stderr);
        if code(&human) == 1 {
            // The human rendering ends with the count (it shows at most 50).
            let count = rendered
                .lines()
                .rev()
                .find_map(|l| {
                    let (_, tail) = l.rsplit_once(": ")?;
                    tail.split(' ').next()?.parse::<usize>().ok()
                })
                .unwrap_or_else(|| panic!("{shown}: no count in\n{rendered}"));
            assert_eq!(diagnostics.len(), count, "{shown}");
        }
        assert_eq!(last["errors"], diagnostics.len(), "{shown}");
        for d in diagnostics {
            assert_eq!(d["reason"], "diagnostic");
            assert_eq!(d["severity"], "error");
            // The human rendering shows at most 50.
            assert!(
                diagnostics.len() > 50 || rendered.contains(d["message"].as_str().unwrap()),
                "{shown}: {d}"
            );
            for place in std::iter::once(d).chain(d["labels"].as_array().unwrap()) {
                let Some(start) = place["byte_start"].as_u64() else {
                    continue; // a file that could not be read has no place
                };
                let end = place["byte_end"].as_u64().unwrap() as usize;
                assert!(
                    start as usize <= end && end <= bytes.len(),
                    "{shown}: {place}"
                );
                let (line, column) = line_column(&text, start as usize);
                assert_eq!(
                    (place["line"].as_u64(), place["column"].as_u64()),
                    (Some(line), Some(column)),
                    "{shown}: {place}"
                );
                if !utf8 {
                    continue;
                }
                let (end_line, end_column) = line_column(&text, end);
                assert_eq!(
                    (place["end_line"].as_u64(), place["end_column"].as_u64()),
                    (Some(end_line), Some(end_column)),
                    "{shown}: {place}"
                );
            }
            assert_eq!(d["labels"][0]["primary"], true, "{shown}");
        }
    }
}

/// Success, and a file that cannot be read, in JSON too.
#[test]
fn json_messages_for_success_and_unreadable_files() {
    let repo = repo();
    let ok = vmlayout(&["check", "--message-format", "json"], &repo);
    assert_eq!(code(&ok), 0);
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout).trim(),
        r#"{"reason":"finished","success":true,"errors":0}"#
    );
    let missing = vmlayout(
        &["check", "--message-format", "json", "no-such.toml"],
        &repo,
    );
    assert_eq!(code(&missing), 2);
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&missing.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["file"], "no-such.toml");
    assert!(first["line"].is_null() && first["labels"].as_array().unwrap().is_empty());
}

/// `diff --exit-code` as git has it: 0 when the plans agree, 1 when they differ;
/// without it, 0 either way; an invalid side exits 2 (it cannot be compared), with
/// its diagnostics.
#[test]
fn diff_exit_codes() {
    let repo = repo();
    let same = vmlayout(
        &["diff", "--exit-code", "layout.toml", "layout.toml"],
        &repo,
    );
    assert_eq!(code(&same), 0);
    assert_eq!(String::from_utf8_lossy(&same.stdout), "no differences\n");
    let other = "tests/layouts/sv48.toml";
    let differ = vmlayout(&["diff", "--exit-code", "layout.toml", other], &repo);
    assert_eq!(code(&differ), 1);
    assert!(String::from_utf8_lossy(&differ.stdout).contains("paging mode: sv39 → sv48"));
    assert_eq!(code(&vmlayout(&["diff", "layout.toml", other], &repo)), 0);
    let json = vmlayout(&["diff", "--format", "json", "layout.toml", other], &repo);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value["same"], false);
    let invalid = vmlayout(
        &["diff", "layout.toml", "tests/invalid/overlap-regions.toml"],
        &repo,
    );
    assert_eq!(code(&invalid), 2);
    assert!(String::from_utf8_lossy(&invalid.stderr).contains("overlap-regions.toml"));
}

/// `usage --elf` with a file that is no ELF, or none at all: exit 2 and why.
#[test]
fn usage_needs_an_elf() {
    let repo = repo();
    let not_elf = vmlayout(&["usage", "--elf", "layout.toml"], &repo);
    assert_eq!(code(&not_elf), 2);
    assert!(String::from_utf8_lossy(&not_elf.stderr).contains("not an ELF file"));
    let missing = vmlayout(&["usage", "--elf", "no-such-kernel"], &repo);
    assert_eq!(code(&missing), 2);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read no-such-kernel"));
}

#[test]
fn a_full_disk_on_stdout_is_an_error_not_a_closed_pipe() {
    let Ok(full) = std::fs::File::create("/dev/full") else {
        return; // no /dev/full on this system
    };
    let o = Command::new(env!("CARGO_BIN_EXE_vmlayout"))
        .args(["map", "layout.toml"])
        .current_dir(repo())
        .stdout(full)
        .output()
        .expect("vmlayout runs");
    assert_eq!(code(&o), 2);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("error: writing to standard output"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn an_unreadable_needs_file_is_reported_in_the_message_format() {
    let args = ["check", "layout.toml", "--needs", "/nonexistent/needs.toml"];
    let human = vmlayout(&args, &repo());
    assert_eq!(code(&human), 2);
    assert!(human.stdout.is_empty());
    assert!(String::from_utf8_lossy(&human.stderr).contains("/nonexistent/needs.toml"));
    let mut json_args = args.to_vec();
    json_args.extend(["--message-format", "json"]);
    let json = vmlayout(&json_args, &repo());
    assert_eq!(code(&json), 2);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["file"], "/nonexistent/needs.toml");
    assert_eq!(lines[1]["reason"], "finished");
}
