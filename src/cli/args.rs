//! The subcommands' argument types (all but `chat`'s and `emulator`'s):
//! what each accepts, converted into its `commands::*Args` by `dispatch`.

use crate::commands::pipeline::Refresh;
use crate::render::errors::ErrorFormat;
use crate::render::Format;
use clap::Args;
use std::path::PathBuf;

/// `-f FILE`, repeatable; a directory stands for its `*.yaml` / `*.yml` files.
#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// Manifest file, or a directory of *.yaml files (repeatable; together they form one
    /// stack). Default: ivsctl.yaml, else the current directory's manifests.
    #[arg(short = 'f', long = "file", value_name = "FILE", action = clap::ArgAction::Append)]
    pub files: Vec<PathBuf>,
}

/// `-f FILE|DIR` (several stacks) and `--stack NAME`.
#[derive(Debug, Args)]
pub struct StacksArgs {
    /// Manifest file, or a directory read recursively for *.yaml / *.yml (repeatable). Files
    /// that declare the same stack form one stack; several stacks are planned and applied together.
    /// Default: ivsctl.yaml, else the current directory's manifests.
    #[arg(short = 'f', long = "file", value_name = "FILE", action = clap::ArgAction::Append)]
    pub files: Vec<PathBuf>,
    /// Only this stack (repeatable; default: every stack the files declare).
    #[arg(long = "stack", value_name = "NAME", action = clap::ArgAction::Append)]
    pub stacks: Vec<String>,
}

/// `--format` of `plan`, `apply` and `destroy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Terraform-like text; errors as a report on stderr.
    #[default]
    Human,
    /// One JSON document on stdout, errors included (docs/plan-format.md).
    Json,
    /// Markdown for a pull-request comment or a job summary.
    Markdown,
    /// Human text, and every error also as a GitHub workflow command, so that a
    /// pull request shows each manifest error on its line.
    Github,
}

impl OutputFormat {
    /// How the plan and report are rendered.
    pub fn render(self) -> Format {
        match self {
            OutputFormat::Human | OutputFormat::Github => Format::Human,
            OutputFormat::Json => Format::Json,
            OutputFormat::Markdown => Format::Markdown,
        }
    }

    /// How an error is reported.
    pub fn errors(self) -> ErrorFormat {
        match self {
            OutputFormat::Human | OutputFormat::Markdown => ErrorFormat::Human,
            OutputFormat::Json => ErrorFormat::Json,
            OutputFormat::Github => ErrorFormat::Github,
        }
    }
}

/// `--format` of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ValidateFormat {
    /// A sentence when valid; every error as a report on stderr.
    #[default]
    Human,
    /// One JSON document on stdout: `valid`, `diagnostics` (file, line, column, code,
    /// message, help) and the stacks.
    Json,
    /// Every error as a GitHub workflow command (`::error file=F,line=L,col=C::...`).
    Github,
}

#[derive(Debug, Args)]
pub struct ValidateCmd {
    /// Manifest file, or a directory read recursively for *.yaml / *.yml (repeatable); every
    /// stack the files declare is checked.
    #[arg(short = 'f', long = "file", value_name = "FILE", action = clap::ArgAction::Append)]
    pub files: Vec<PathBuf>,
    /// Output format (errors included).
    #[arg(long, value_enum, default_value_t = ValidateFormat::Human)]
    pub format: ValidateFormat,
}

#[derive(Debug, Args)]
pub struct PlanCmd {
    #[command(flatten)]
    pub manifest: StacksArgs,
    /// Output format (errors included).
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Also save the plan to FILE, for `ivsctl apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there is nothing to do, 2 when there are changes, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// `fast`: read rooms with GetRoom only where their applied record does not
    /// prove them unchanged; `full`: GetRoom every room the manifest keeps.
    #[arg(long, value_enum, default_value_t = Refresh::Fast)]
    pub refresh: Refresh,
    /// Fail (exit 1, after the plan) when a stack's plan deletes more than N
    /// resources, as `apply --max-deletes N` would refuse it.
    #[arg(long, value_name = "N")]
    pub max_deletes: Option<usize>,
    /// Let a manifest with no resources delete the stack's resources (otherwise
    /// plan fails, as apply would refuse).
    #[arg(long)]
    pub allow_empty: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 applied (or nothing to do), 1 error, refusal, or any action failed or skipped."
)]
pub struct ApplyCmd {
    /// Manifest file or directory, read recursively (repeatable). Not with PLANFILE.
    /// Default: ivsctl.yaml, else the current directory's manifests.
    #[arg(short = 'f', long = "file", value_name = "FILE", action = clap::ArgAction::Append,
          conflicts_with = "planfile")]
    pub files: Vec<PathBuf>,
    /// Only this stack (repeatable; default: every stack the files declare).
    #[arg(long = "stack", value_name = "NAME", action = clap::ArgAction::Append,
          conflicts_with = "planfile")]
    pub stacks: Vec<String>,
    /// A plan saved with `ivsctl plan --out`: applied exactly, after checking that nothing it
    /// touches changed since (saving the plan was the approval: no prompt).
    #[arg(value_name = "PLANFILE")]
    pub planfile: Option<PathBuf>,
    /// Apply without asking (required when stdin is not a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Output format of the plan, the report and errors.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Refuse a plan that deletes more than N resources.
    #[arg(long, value_name = "N")]
    pub max_deletes: Option<usize>,
    /// Let a manifest with no resources delete the stack's resources.
    #[arg(long)]
    pub allow_empty: bool,
    /// How rooms are read before planning (see `plan --refresh`).
    #[arg(long, value_enum, default_value_t = Refresh::Fast)]
    pub refresh: Refresh,
}

#[derive(Debug, Args)]
pub struct DestroyCmd {
    #[command(flatten)]
    pub manifest: StacksArgs,
    /// Destroy without asking (required when stdin is not a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Output format of the plan, the report and errors.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Refuse if more than N resources would be deleted.
    #[arg(long, value_name = "N")]
    pub max_deletes: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ImportCmd {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    /// rooms.KEY or loggingConfigurations.KEY (the key must be in the manifest).
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// The ARN of the existing resource.
    #[arg(value_name = "ARN")]
    pub arn: String,
}

#[derive(Debug, Args)]
pub struct ForgetCmd {
    /// Manifest file or directory (gives the stack, and its region). Default: ivsctl.yaml,
    /// else the current directory's manifests.
    #[arg(short = 'f', long = "file", value_name = "FILE", action = clap::ArgAction::Append)]
    pub files: Vec<PathBuf>,
    /// rooms.KEY or loggingConfigurations.KEY (STACK/rooms.KEY when the files declare several
    /// stacks); repeatable.
    #[arg(value_name = "ADDRESS", required = true)]
    pub addresses: Vec<String>,
    /// Forget protected resources too.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ExportCmd {
    /// The stack to export (default: the only stack in the region). With --unmanaged: the
    /// name of the new stack that adopts them (default: adopted).
    #[arg(long, value_name = "STACK")]
    pub stack: Option<String>,
    /// Export the resources no stack owns, each with `import: ARN`: a manifest that adopts
    /// them when applied (after review in a pull request).
    #[arg(long)]
    pub unmanaged: bool,
    /// Write one STACK.yaml per stack into DIR instead of printing.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "The output is byte for byte what `ivsctl plan --format FORMAT` printed when it saved the plan. Reads no account."
)]
pub struct ShowCmd {
    /// A plan saved with `ivsctl plan --out FILE`.
    #[arg(value_name = "PLANFILE")]
    pub planfile: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// `--format` of `output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputsFormat {
    /// One table per stack: type, key, ARN, id.
    #[default]
    Human,
    /// One JSON document (docs/usage.md, "output").
    Json,
}

#[derive(Debug, Args)]
pub struct OutputCmd {
    #[command(flatten)]
    pub manifest: StacksArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputsFormat::Human)]
    pub format: OutputsFormat,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    ivsctl completions bash > ~/.local/share/bash-completion/completions/ivsctl\n  \
    ivsctl completions zsh > \"${fpath[1]}/_ivsctl\"\n  \
    ivsctl completions fish > ~/.config/fish/completions/ivsctl.fish")]
pub struct CompletionsCmd {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManCmd {
    /// Write one page per command (ivsctl.1, ivsctl-plan.1, ...) into DIR instead of
    /// printing the page of ivsctl on stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}
