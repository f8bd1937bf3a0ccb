//! The command line's definition (clap), shared by the `vmlayout` binary and the
//! tools that describe it: `cargo xtask completions` writes shell completions and
//! a man page from [`command`]. The binary's behaviour is in `src/main.rs`.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

/// The whole command line, as clap builds it.
pub fn command() -> clap::Command {
    Cli::command()
}

/// The `vmlayout` command line.
#[derive(Parser)]
#[command(
    name = "vmlayout",
    version,
    about = "Plan a kernel's virtual address space in one TOML file",
    long_about = None,
    after_long_help = "Exit status: 0 success; 1 the layout is invalid, generated files are stale (generate --check), the plans differ (diff --exit-code) or something overflows (usage); 2 a usage or I/O error, or a layout diff cannot compare."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// A consumer's requirements (e.g. kernel/vmlayout-needs.toml): the plan must
    /// also meet them.
    #[arg(long, global = true, value_name = "FILE")]
    pub needs: Option<PathBuf>,
    /// Colour diagnostics: `auto` colours them on a terminal unless NO_COLOR is
    /// set (see no-color.org).
    #[arg(long, global = true, value_enum, default_value_t = Colour::Auto)]
    pub color: Colour,
    /// How problems are reported: `human` (carets, on standard error) or `json`
    /// (one JSON object per line on standard output, then a `finished` line).
    #[arg(long, global = true, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
}

/// `--message-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MessageFormat {
    /// Rendered with carets against the layout, on standard error.
    Human,
    /// One JSON object per line on standard output.
    Json,
}

/// `--color`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Colour {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl Colour {
    /// Whether diagnostics on standard error get colour.
    pub fn on_stderr(self) -> bool {
        use std::io::IsTerminal;
        match self {
            Colour::Always => true,
            Colour::Never => false,
            Colour::Auto => {
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Validate the layout and report every problem.
    Check {
        /// The layout file.
        #[arg(default_value = "layout.toml")]
        file: PathBuf,
    },
    /// Write layout.rs, layout.ld, layout-plan.ld, layout-boot-tables.ld, layout.h, MEMORY-MAP.md, MEMORY-MAP.svg and layout.json.
    Generate {
        /// The layout file.
        #[arg(default_value = "layout.toml")]
        file: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Write nothing; fail if any output is missing or stale.
        #[arg(long)]
        check: bool,
    },
    /// Print the memory map, top-down: a table, a picture (SVG) or a page (HTML).
    Map {
        /// The layout file.
        #[arg(default_value = "layout.toml")]
        file: PathBuf,
        /// The output format.
        #[arg(long, value_enum, default_value_t = MapFormat::Text)]
        format: MapFormat,
    },
    /// Show what changed from one layout to another: regions, gaps, the fixmap,
    /// and every constant of layout.h whose value changed.
    Diff {
        /// The old layout.
        old: PathBuf,
        /// The new layout.
        new: PathBuf,
        /// The output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Exit with 1 when the plans differ, 0 when they do not (as `git diff
        /// --exit-code`); without it, 0 either way.
        #[arg(long)]
        exit_code: bool,
    },
    /// How full the plan's regions are for a linked kernel: the image's sections,
    /// the fixmap's groups, the boot page tables. Exits 1 when one overflows.
    Usage {
        /// The layout file.
        #[arg(default_value = "layout.toml")]
        file: PathBuf,
        /// The kernel, linked for this layout (an ELF file).
        #[arg(long, value_name = "KERNEL")]
        elf: PathBuf,
        /// The output format.
        #[arg(long, value_enum, default_value_t = UsageFormat::Text)]
        format: UsageFormat,
    },
    /// Print the JSON Schema of layout.toml (for editors: taplo, Even Better TOML).
    Schema,
    /// Print the resolved plan for other tools.
    Export {
        /// The layout file.
        #[arg(default_value = "layout.toml")]
        file: PathBuf,
        /// The format.
        #[arg(long, value_enum)]
        format: Format,
    },
}

/// `map --format`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MapFormat {
    /// A table for the terminal.
    Text,
    /// A picture (MEMORY-MAP.svg).
    Svg,
    /// One self-contained page: the picture and the table.
    Html,
}

/// `usage --format`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UsageFormat {
    /// A line with a bar per measure, for people.
    Text,
    /// One JSON object, for tools.
    Json,
}

/// `diff --format`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// One line per change, for people.
    Text,
    /// One JSON object, for tools.
    Json,
}

/// `export --format`.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// The plan as JSON (layout.json).
    Json,
}
