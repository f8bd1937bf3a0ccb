//! `vmlayout`: check, generate, map and export a layout file.
//!
//! Exit status: 0 success; 1 the layout is invalid (or `--check` found stale
//! outputs); 2 usage or I/O error.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use vmlayout::cli::{Cli, Command, DiffFormat, Format, MapFormat, MessageFormat, UsageFormat};
use vmlayout::{LoadError, Plan, emit, output};

/// `println!` that cannot panic: a reader that closed standard output (`| head`,
/// `| true`) took what it wanted, so a failed write is ignored.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that cannot panic, as [`say!`].
macro_rules! say_err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `eprint!` that cannot panic, as [`say!`].
macro_rules! say_err_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

/// How `load` reports a refusal.
#[derive(Clone, Copy)]
struct Report {
    format: MessageFormat,
    colour: bool,
}

const INVALID: u8 = 1;
/// `diff --exit-code`: the plans differ.
const DIFFERENT: u8 = 1;
const USAGE_OR_IO: u8 = 2;

fn load(path: &Path, needs: Option<&Path>, report: Report) -> Result<Plan, ExitCode> {
    let json = report.format == MessageFormat::Json;
    let needs = match needs.map(vmlayout::Needs::from_file).transpose() {
        Ok(needs) => needs,
        Err(e) if json => {
            let file = needs.map_or(String::new(), |p| p.display().to_string());
            let message = e.trim_start_matches("error: ");
            let _ = to_stdout(&vmlayout::diag::json_unplaced(&file, message));
            let _ = to_stdout(&vmlayout::diag::json_finished(false, 1));
            return Err(ExitCode::from(USAGE_OR_IO));
        }
        Err(e) => {
            say_err!("{e}");
            return Err(ExitCode::from(USAGE_OR_IO));
        }
    };
    vmlayout::plan_from_file_for(path, needs.as_ref()).map_err(|e| {
        if json {
            let errors = match &e {
                LoadError::Layout(layout) => layout.diagnostics.len(),
                _ => 1,
            };
            let _ = to_stdout(&e.to_json_lines());
            let _ = to_stdout(&vmlayout::diag::json_finished(false, errors));
        } else {
            match &e {
                LoadError::Layout(layout) => say_err!("{}", layout.render_with(report.colour)),
                _ => say_err!("{e}"),
            }
        }
        ExitCode::from(match e {
            LoadError::Layout(_) => INVALID,
            _ => USAGE_OR_IO,
        })
    })
}

/// Report a problem with a whole file (`file`): `error: message` on standard
/// error, or with `--message-format json` one JSON line and the `finished` line on
/// standard output. Returns `code` as the exit code.
fn fail(json: bool, file: &str, message: &str, code: u8) -> ExitCode {
    if json {
        let _ = to_stdout(&vmlayout::diag::json_unplaced(file, message));
        let _ = to_stdout(&vmlayout::diag::json_finished(false, 1));
    } else {
        say_err!("error: {message}");
    }
    ExitCode::from(code)
}

/// Write `text` to standard output. A reader that closed the pipe early (`| head`)
/// took what it wanted: stop quietly. Any other write error is an I/O error.
fn to_stdout(text: &str) -> Result<(), ExitCode> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            say_err!("error: writing to standard output: {e}");
            Err(ExitCode::from(USAGE_OR_IO))
        }
    }
}

fn run(cli: Cli) -> Result<(), ExitCode> {
    let report = Report {
        format: cli.message_format,
        colour: cli.color.on_stderr(),
    };
    let json = cli.message_format == MessageFormat::Json;
    match cli.command {
        Command::Check { file } => {
            let plan = load(&file, cli.needs.as_deref(), report)?;
            if json {
                return to_stdout(&vmlayout::diag::json_finished(true, 0));
            }
            let count = |n: usize, one: &str, many: &str| {
                format!("{n} {}", if n == 1 { one } else { many })
            };
            say!(
                "{}: ok — {}, {}, {}, {}",
                file.display(),
                count(plan.regions.len(), "region", "regions"),
                count(plan.gaps.len(), "gap", "gaps"),
                count(
                    plan.fixmap.slot_count() as usize,
                    "fixmap slot",
                    "fixmap slots"
                ),
                plan.paging.mode
            );
        }
        Command::Generate { file, out, check } => {
            let plan = load(&file, cli.needs.as_deref(), report)?;
            let origin = emit::Origin::cli(&file, &out);
            let artefacts = emit::all(&plan, &origin);
            if check {
                let stale = output::stale(&out, &artefacts);
                if !stale.is_empty() {
                    // What would change, as a unified diff per stale file.
                    for path in &stale {
                        say_err!("stale: {}", path.display());
                        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                        let new = artefacts.iter().find(|a| a.file_name == name);
                        let old = std::fs::read(path).unwrap_or_default();
                        if let Some(new) = new {
                            let old = String::from_utf8_lossy(&old);
                            let diff = similar::TextDiff::from_lines(old.as_ref(), &new.contents);
                            let shown = path.display().to_string();
                            say_err_raw!(
                                "{}",
                                diff.unified_diff().context_radius(2).header(
                                    &format!("{shown} (on disk)"),
                                    &format!("{shown} (from the layout)")
                                )
                            );
                        }
                    }
                    say_err!(
                        "error: generated files are out of date; run `{}`",
                        origin.command().unwrap_or_default()
                    );
                    if json {
                        let command = origin.command().unwrap_or_default();
                        for path in &stale {
                            let shown = path.display().to_string();
                            let message = format!("{shown} is out of date; run `{command}`");
                            to_stdout(&vmlayout::diag::json_unplaced(&shown, &message))?;
                        }
                        to_stdout(&vmlayout::diag::json_finished(false, stale.len()))?;
                    }
                    return Err(ExitCode::from(INVALID));
                }
                if json {
                    return to_stdout(&vmlayout::diag::json_finished(true, 0));
                }
                say!(
                    "{}: all {} outputs are up to date",
                    out.display(),
                    artefacts.len()
                );
            } else {
                let report = output::write_all(&out, &artefacts).map_err(|e| {
                    let message = e.to_string();
                    let message = message.trim_start_matches("error: ");
                    fail(json, &out.display().to_string(), message, USAGE_OR_IO)
                })?;
                if json {
                    return to_stdout(&vmlayout::diag::json_finished(true, 0));
                }
                for path in &report.written {
                    say!("wrote {}", path.display());
                }
                for path in &report.unchanged {
                    say!("unchanged {}", path.display());
                }
            }
        }
        Command::Map { file, format } => {
            let plan = load(&file, cli.needs.as_deref(), report)?;
            to_stdout(&match format {
                MapFormat::Text => emit::memory_map::render_terminal(&plan),
                MapFormat::Svg => emit::svg::render(&plan),
                MapFormat::Html => emit::svg::render_html(&plan),
            })?;
        }
        Command::Diff {
            old,
            new,
            format,
            exit_code,
        } => {
            // An invalid side exits 2, so that 1 means "different" alone.
            let cannot_compare = |_| ExitCode::from(USAGE_OR_IO);
            // Both sides are checked, so both sides' problems are shown.
            let (old, new) = (
                load(&old, cli.needs.as_deref(), report),
                load(&new, cli.needs.as_deref(), report),
            );
            let old = old.map_err(cannot_compare)?;
            let new = new.map_err(cannot_compare)?;
            let d = vmlayout::diff::diff(&old, &new);
            to_stdout(&match format {
                DiffFormat::Text => vmlayout::diff::render_text(&d),
                DiffFormat::Json => vmlayout::diff::render_json(&d),
            })?;
            if exit_code && !d.is_empty() {
                return Err(ExitCode::from(DIFFERENT));
            }
        }
        Command::Schema => to_stdout(&emit::schema::render())?,
        Command::Usage { file, elf, format } => {
            let plan = load(&file, cli.needs.as_deref(), report)?;
            let shown = elf.display().to_string();
            let bytes = std::fs::read(&elf).map_err(|e| {
                fail(
                    json,
                    &shown,
                    &format!("cannot read {shown}: {e}"),
                    USAGE_OR_IO,
                )
            })?;
            let usage = vmlayout::usage::measure(&plan, &bytes)
                .map_err(|e| fail(json, &shown, &format!("{shown}: {e}"), USAGE_OR_IO))?;
            to_stdout(&match format {
                UsageFormat::Text => vmlayout::usage::render_text(&usage),
                UsageFormat::Json => vmlayout::usage::render_json(&usage),
            })?;
            if usage.overflows() {
                return Err(ExitCode::from(INVALID));
            }
        }
        Command::Export {
            file,
            format: Format::Json,
        } => {
            let plan = load(&file, cli.needs.as_deref(), report)?;
            to_stdout(&emit::json::render(&plan))?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}
