//! The command line: clap types, converted once into settings, then dispatched.
//! This and `main.rs` are the only places that print a final error or choose
//! the process exit code. The other subcommands' argument types are in
//! `args.rs`, the `chat` subcommands' in `chat.rs`, `emulator`'s (and its
//! conversion into `EmulatorConfig`) in `emulator.rs`; `completions` and
//! `man` (generated from these definitions) in `generate.rs`.

mod args;
mod chat;
mod emulator;
mod generate;

pub use args::*;
pub use chat::{ChatCmd, RoomOpts};
pub use emulator::EmulatorArgs;

use crate::aws::AwsSettings;
use crate::chat::RawRequest;
use crate::commands::pipeline::Refresh;
use crate::commands::{self, Globals};
use crate::error::{Error, ExitStatus, ERROR_EXIT_CODE};
use crate::render::errors::{self, ErrorFormat};
use crate::terminal::Terminal;
use clap::{Args, Parser, Subcommand};
use miette::IntoDiagnostic;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "ivsctl",
    version,
    about = "Declarative reconciler for Amazon IVS Chat rooms and logging configurations",
    long_about = "Declarative reconciler for Amazon IVS Chat.\n\n\
        Keep rooms, logging configurations and their tags in a YAML manifest; `ivsctl plan` shows \
        what would change in the account, `ivsctl apply` makes the account match with the fewest \
        API calls. `ivsctl emulator` runs a local IVS Chat API for tests without an AWS account.\n\n\
        Credentials and region come from the standard AWS chain (environment, profiles, SSO, \
        web identity, instance metadata).",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// AWS region (default: the AWS config chain; for `emulator`, the region of requests
    /// whose credential scope names none, us-east-1).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Named profile from the AWS config files.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send API calls to this endpoint instead of AWS's (e.g. an emulator).
    /// AWS_ENDPOINT_URL works too.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Never colour the output (NO_COLOR is honoured as well).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// More detail on stderr (-v: every API call).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Run against an emulator inside this process instead of AWS; its state
    /// persists in .ivsctl/local-state.json (or --local-state). No AWS account needed.
    #[arg(long, global = true)]
    pub local: bool,
    /// The state file for --local (implies --local).
    #[arg(long, global = true, value_name = "FILE")]
    pub local_state: Option<PathBuf>,
    /// Use at most PERCENT (1-100) of each of the account's IVS Chat rate
    /// quotas, which the account's applications share.
    #[arg(long, global = true, value_name = "PERCENT", env = "IVSCTL_API_SHARE",
          default_value_t = 100, value_parser = clap::value_parser!(u8).range(1..=100))]
    pub api_share: u8,
    /// Set a manifest variable `${NAME}` (repeatable; wins over IVSCTL_VAR_NAME and the
    /// manifest's `vars` default).
    #[arg(long = "var", global = true, value_name = "NAME=VALUE", action = clap::ArgAction::Append)]
    pub vars: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check manifests offline: every API constraint and manifest rule; no network.
    Validate(ValidateCmd),
    /// Read the live resources and show what apply would change; writes nothing.
    Plan(PlanCmd),
    /// Plan, ask for approval, and make the account match the manifest; or apply a saved plan.
    Apply(ApplyCmd),
    /// Delete every resource the stack owns (rooms first); protected ones refuse the whole destroy.
    Destroy(DestroyCmd),
    /// Take an existing resource into the stack by writing its ownership tags (nothing else).
    Import(ImportCmd),
    /// Stop managing resources without deleting them: remove ivsctl's tags (nothing else).
    Forget(ForgetCmd),
    /// Print the live resources of a stack as a manifest (planning it shows no changes).
    Export(ExportCmd),
    /// Print a plan saved with `plan --out`, exactly as plan printed it; reads no account.
    Show(ShowCmd),
    /// Print the key, ARN and id of every resource of the stacks (List pages only).
    Output(OutputCmd),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsCmd),
    /// Print the manual page (roff), or write one page per command with --out DIR.
    Man(ManCmd),
    /// Chat operations on a room: tokens, events, message deletion, user disconnection.
    #[command(subcommand)]
    Chat(ChatCmd),
    /// Run the local IVS Chat API emulator (no AWS account needed).
    Emulator(EmulatorArgs),
}

/// Parses the command line, runs the command, maps the outcome to an exit code.
pub fn run() -> ExitCode {
    // Usage errors exit 1 (exit 2 means "changes present" for plan).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(ERROR_EXIT_CODE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let terminal = Terminal::detect(cli.global.no_color);
    let error_format = cli.command.error_format();
    let (color, wrap) = (terminal.color_stderr, terminal.stderr);
    let _ = miette::set_hook(Box::new(move |_| {
        // Never split words at hyphens (ARNs must stay whole to be copied), and
        // do not wrap at all when stderr goes to a file or a pipe.
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(color)
                .unicode(color)
                .wrap_lines(wrap)
                .break_words(false)
                .word_splitter(textwrap::WordSplitter::NoHyphenation)
                .build(),
        )
    }));
    match dispatch(cli, terminal) {
        Ok(status) => status.into(),
        // A closed stdout (`ivsctl plan | head`) is not an error worth a report.
        Err(report) if is_broken_pipe(&report) => ExitCode::from(ERROR_EXIT_CODE),
        Err(report) => {
            print_error(&report, error_format);
            ExitCode::from(ERROR_EXIT_CODE)
        }
    }
}

impl Command {
    /// How this command reports an error (its `--format`).
    fn error_format(&self) -> ErrorFormat {
        match self {
            Command::Validate(cmd) => match cmd.format {
                ValidateFormat::Human => ErrorFormat::Human,
                ValidateFormat::Json => ErrorFormat::Json,
                ValidateFormat::Github => ErrorFormat::Github,
            },
            Command::Plan(cmd) => cmd.format.errors(),
            Command::Apply(cmd) => cmd.format.errors(),
            Command::Destroy(cmd) => cmd.format.errors(),
            _ => ErrorFormat::Human,
        }
    }
}

/// Reports a command's error: on stderr, or as the JSON document on stdout
/// (unless the command already wrote its document there), or as GitHub
/// workflow commands on stdout plus the report on stderr.
fn print_error(report: &Error, format: ErrorFormat) {
    match format {
        ErrorFormat::Json if !errors::is_document_written() => {
            print!("{}", errors::to_json(report));
        }
        ErrorFormat::Github => {
            print!("{}", errors::github_commands(report));
            eprintln!("{report:?}");
        }
        _ => eprintln!("{report:?}"),
    }
}

fn is_broken_pipe(report: &Error) -> bool {
    report.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `ivsctl emulator` could not start or stopped on an error.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("emulator: {0}")]
#[diagnostic(code(ivsctl::emulator))]
struct EmulatorError(crate::emulator::StartError);

/// Runs a command that may wait (on the API's quotas, on a logging
/// configuration becoming ACTIVE), printing heartbeat lines in logs.
fn with_heartbeat<T>(
    globals: &Globals,
    command: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    runtime()?.block_on(async {
        let _heartbeat = crate::heartbeat::start(&globals.terminal);
        command.await
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .into_diagnostic()
}

/// ROOM of a chat command.
fn room_arg(room: RoomOpts) -> commands::chat::RoomArg {
    commands::chat::RoomArg {
        room: room.room,
        files: room.files,
    }
}

fn dispatch(cli: Cli, terminal: Terminal) -> Result<ExitStatus, Error> {
    let global = cli.global;
    let globals = Globals {
        aws: AwsSettings {
            region: global.region.clone(),
            profile: global.profile.clone(),
            endpoint_url: global.endpoint_url.clone(),
            verbose: global.verbose,
            api_share: global.api_share,
            ..AwsSettings::default()
        },
        local_state: match (&global.local_state, global.local) {
            (Some(path), _) => Some(path.clone()),
            (None, true) => Some(PathBuf::from(commands::DEFAULT_LOCAL_STATE)),
            (None, false) => None,
        },
        terminal,
        verbose: global.verbose,
        vars: crate::manifest::Vars::from_env_and_flags(&global.vars, std::env::vars())?,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Emulator(args) => {
            let config = args.into_config(global.region);
            runtime()?
                .block_on(crate::emulator::run(config))
                .map_err(EmulatorError)?;
            Ok(ExitStatus::Success)
        }
        Command::Validate(cmd) => commands::validate::run(
            &globals,
            &commands::validate::ValidateArgs {
                files: cmd.files,
                json: cmd.format == ValidateFormat::Json,
            },
            &mut out,
        ),
        Command::Plan(cmd) => {
            let args = commands::plan::PlanArgs {
                files: cmd.manifest.files,
                stacks: cmd.manifest.stacks,
                limits: commands::apply::Limits {
                    max_deletes: cmd.max_deletes,
                    allow_empty: cmd.allow_empty,
                },
                refresh: cmd.refresh,
                format: cmd.format.render(),
                out: cmd.out,
                detailed_exitcode: cmd.detailed_exitcode,
            };
            with_heartbeat(&globals, commands::plan::run(&globals, &args, &mut out))
        }
        Command::Apply(cmd) => {
            let args = commands::apply::ApplyArgs {
                files: cmd.files,
                stacks: cmd.stacks,
                limits: commands::apply::Limits {
                    max_deletes: cmd.max_deletes,
                    allow_empty: cmd.allow_empty,
                },
                refresh: cmd.refresh,
                planfile: cmd.planfile,
                auto_approve: cmd.auto_approve,
                format: cmd.format.render(),
                destroy: false,
            };
            with_heartbeat(&globals, commands::apply::run(&globals, &args, &mut out))
        }
        Command::Destroy(cmd) => {
            let args = commands::apply::ApplyArgs {
                files: cmd.manifest.files,
                stacks: cmd.manifest.stacks,
                limits: commands::apply::Limits {
                    max_deletes: cmd.max_deletes,
                    allow_empty: true,
                },
                refresh: Refresh::Fast,
                planfile: None,
                auto_approve: cmd.auto_approve,
                format: cmd.format.render(),
                destroy: true,
            };
            with_heartbeat(
                &globals,
                commands::apply::destroy(&globals, &args, &mut out),
            )
        }
        Command::Import(cmd) => {
            let args = commands::import::ImportArgs {
                files: cmd.manifest.files,
                address: cmd.address,
                arn: cmd.arn,
            };
            with_heartbeat(&globals, commands::import::run(&globals, &args, &mut out))
        }
        Command::Forget(cmd) => {
            let args = commands::forget::ForgetArgs {
                files: cmd.files,
                addresses: cmd.addresses,
                force: cmd.force,
            };
            with_heartbeat(&globals, commands::forget::run(&globals, &args, &mut out))
        }
        Command::Chat(cmd) => {
            let (room, request) = match cmd {
                ChatCmd::Token {
                    room,
                    user_id,
                    capabilities,
                    session_minutes,
                    attributes,
                } => (
                    room,
                    RawRequest::Token {
                        user_id,
                        capabilities,
                        session_minutes,
                        attributes,
                    },
                ),
                ChatCmd::SendEvent {
                    room,
                    event_name,
                    attributes,
                } => (
                    room,
                    RawRequest::SendEvent {
                        event_name,
                        attributes,
                    },
                ),
                ChatCmd::DeleteMessage {
                    room,
                    message_id,
                    reason,
                } => (room, RawRequest::DeleteMessage { message_id, reason }),
                ChatCmd::DisconnectUser {
                    room,
                    user_id,
                    reason,
                } => (room, RawRequest::DisconnectUser { user_id, reason }),
                ChatCmd::Tail { room, user_id } => {
                    let format = room.format;
                    return runtime()?.block_on(commands::chat_stream::tail(
                        &globals,
                        &room_arg(room),
                        user_id.as_deref(),
                        format,
                        &mut out,
                    ));
                }
                ChatCmd::Send {
                    room,
                    message,
                    user_id,
                    attributes,
                } => {
                    let format = room.format;
                    return runtime()?.block_on(commands::chat_stream::send(
                        &globals,
                        &room_arg(room),
                        &message,
                        user_id.as_deref(),
                        &attributes,
                        format,
                        &mut out,
                    ));
                }
            };
            let format = room.format;
            runtime()?.block_on(commands::chat::run(
                &globals,
                &room_arg(room),
                request,
                format,
                &mut out,
            ))
        }
        Command::Export(cmd) => {
            let args = commands::export::ExportArgs {
                stack: cmd.stack,
                unmanaged: cmd.unmanaged,
                output_dir: cmd.output_dir,
            };
            with_heartbeat(&globals, commands::export::run(&globals, &args, &mut out))
        }
        Command::Show(cmd) => {
            let args = commands::show::ShowArgs {
                planfile: cmd.planfile,
                format: cmd.format,
            };
            commands::show::run(&globals, &args, &mut out)
        }
        Command::Output(cmd) => {
            let args = commands::output::OutputArgs {
                files: cmd.manifest.files,
                stacks: cmd.manifest.stacks,
                json: cmd.format == OutputsFormat::Json,
            };
            with_heartbeat(&globals, commands::output::run(&globals, &args, &mut out))
        }
        Command::Completions(cmd) => generate::completions(cmd.shell, &mut out),
        Command::Man(cmd) => generate::man(cmd.out.as_deref(), &mut out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::Quotas;
    use clap::CommandFactory;
    use std::time::Duration;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn emulator_options_parse() {
        let cli = Cli::try_parse_from([
            "ivsctl",
            "--region",
            "eu-west-1",
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--quotas",
            "aws",
            "--latency-ms",
            "5",
            "--fault-rate",
            "0.25",
            "--seed",
            "7",
            "--logging-config-delay-ms",
            "100",
        ])
        .unwrap();
        let Command::Emulator(args) = cli.command else {
            panic!("parsed as emulator")
        };
        let c = args.into_config(cli.global.region);
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(c.quotas, Quotas::Aws);
        assert_eq!(c.latency, Duration::from_millis(5));
        assert_eq!(c.fault_rate, 0.25);
        assert_eq!(c.seed, Some(7));
        assert_eq!(c.logging_config_delay, Duration::from_millis(100));
        assert!(Cli::try_parse_from(["ivsctl", "emulator", "--fault-rate", "1.5"]).is_err());
        assert!(Cli::try_parse_from(["ivsctl", "emulator", "--account-id", "12"]).is_err());
    }
}
