//! The `cognate` command: Amazon Cognito from the command line.
//!
//! One module per subcommand (`decode`, `verify`, `configure`, `completions`, `serve`, `demo`),
//! plus what they share: `connection` (flags, environment and profile resolved into a
//! `Connection`), `profile` (the TOML config file), `output` (`--output` formats, stderr status
//! lines, colour), `error` (one line and a hint) and `exit` (the documented exit codes).

mod account;
mod auth;
mod aws_credentials;
mod browser_login;
mod completions;
mod configure;
mod connection;
mod curl;
mod decode;
mod demo;
mod error;
mod exit;
mod graphql;
mod login;
mod login_method;
mod login_prompt;
mod login_settings;
mod machine;
mod oidc_profile;
mod output;
mod passkey;
mod profile;
mod serve;
mod session;
mod style;
mod token;
mod utc;
mod verify;

use std::process::ExitCode;

use clap::{ArgAction, ColorChoice, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::output::{Output, Ui};
use crate::style::Style;

#[derive(Parser, Debug)]
#[command(
    name = "cognate",
    version,
    about = "Amazon Cognito from the command line",
    long_about = "Amazon Cognito from the command line: log in, print fresh tokens, call APIs \
                  with them, decode and verify tokens, keep connection settings in profiles, \
                  and run a local Cognito.\n\n\
                  Data goes to stdout, messages to stderr. Settings come from flags, then \
                  COGNATE_* environment variables, then the profile (`cognate configure`).",
    after_long_help = exit::HELP,
    max_term_width = 100
)]
struct Cli {
    /// Format of the data written to stdout.
    #[arg(
        short,
        long,
        global = true,
        value_enum,
        default_value_t = Output::Text,
        env = "COGNATE_OUTPUT",
        value_name = "FORMAT",
        help_heading = "Global options"
    )]
    output: Output,
    /// More messages on stderr (-v: info, -vv: debug, -vvv: trace); COGNATE_LOG=filter overrides.
    #[arg(short, long, global = true, action = ArgAction::Count, help_heading = "Global options")]
    verbose: u8,
    /// Only errors on stderr.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        help_heading = "Global options"
    )]
    quiet: bool,
    /// Filter the JSON output with a JMESPath expression, as the AWS CLI's (implies -o json).
    // Its own id: `graphql` has a QUERY argument, and global values are shared by id.
    #[arg(
        id = "jmespath_query",
        long = "query",
        global = true,
        value_name = "JMESPATH",
        help_heading = "Global options"
    )]
    query: Option<String>,
    /// Profile in the config file [env: COGNATE_PROFILE] [default: default].
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        help_heading = "Global options"
    )]
    profile: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Log in (SRP by default), answer challenges, and save the tokens for the profile.
    Login(login::LoginArgs),
    /// Print a valid token (refreshed first if needed) or a whole header line.
    Token(token::TokenArgs),
    /// Make an HTTP request with the token in the header the API expects.
    Curl(curl::CurlArgs),
    /// Send a GraphQL query (JSON, with the ID token in `authorization` by default).
    Graphql(graphql::GraphqlArgs),
    /// Show the logged-in user and their attributes (GetUser).
    Whoami(account::WhoamiArgs),
    /// Revoke the tokens (or sign out everywhere) and remove the token file.
    Logout(account::LogoutArgs),
    /// The logged-in user's passkeys: add one (software authenticator), list, delete.
    Passkey(passkey::PasskeyArgs),
    /// Print AWS credentials for the login, through an identity pool (`credential_process`).
    AwsCredentials(aws_credentials::AwsCredentialsArgs),
    /// Show a token's header and claims without verifying anything.
    Decode(decode::DecodeArgs),
    /// Verify a token's signature and claims; exit 0 only when it is valid.
    Verify(verify::VerifyArgs),
    /// Save connection settings in a profile, or show them (`configure list`, `get`, `set`).
    Configure(configure::ConfigureArgs),
    /// Which profiles are logged in, as whom, and until when (`auth status`; offline).
    Auth(auth::AuthArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
    /// Run a local Cognito (user pools, SRP/password/refresh login, tokens, JWKS) until
    /// SIGINT or SIGTERM.
    Serve(serve::ServeArgs),
    /// Walk through what cognate does, on this machine, with no AWS account.
    Demo(demo::DemoArgs),
}

/// Notes for flags that were renamed (they still work).
fn deprecated_flags() {
    for arg in std::env::args().skip(1) {
        if arg == "--" {
            break;
        }
        if arg == "--style" || arg.starts_with("--style=") {
            eprintln!("note: `--style` is deprecated; use `--header-style` (same values)");
        }
    }
}

fn main() -> ExitCode {
    error::install_panic_hook();
    deprecated_flags();
    let color = style::color_allowed();
    let command = Cli::command().color(if color {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    });
    // Usage errors, --help and --version: clap prints them and exits (2 for usage errors).
    // `--profile` and the other global options may come before the command
    // (`cognate --profile work token`): clap hands their values to the command's own options.
    let matches = command.try_get_matches().unwrap_or_else(|e| e.exit());
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let output_given = matches
        .value_source("output")
        .is_some_and(|s| s != clap::parser::ValueSource::DefaultValue);
    let mut ui = Ui {
        output: cli.output,
        quiet: cli.quiet,
        style: Style::for_stderr(),
    };
    let serving = matches!(cli.command, Command::Serve(_));
    init_logging(cli.verbose, cli.quiet, ui.style.is_color(), serving);
    let started = match &cli.query {
        Some(query) => use_query(query, &cli.command, output_given, &mut ui),
        None => Ok(()),
    };
    match started.and_then(|()| run(cli.command, &ui)) {
        Ok(()) => Exit::Ok.into(),
        Err(e) => {
            e.print(&mut std::io::stderr().lock(), ui.style, cli.verbose > 0);
            e.exit().into()
        }
    }
}

/// `--query`: JSON output filtered by a JMESPath expression. It implies `-o json`; with another
/// `-o`, or on a command whose output is not one JSON document, it is a usage error.
fn use_query(query: &str, command: &Command, output_given: bool, ui: &mut Ui) -> Result<()> {
    let name = match command {
        Command::Curl(_) => Some("curl"),
        Command::Graphql(_) => Some("graphql"),
        Command::Completions(_) => Some("completions"),
        Command::Serve(_) => Some("serve"),
        Command::Demo(_) => Some("demo"),
        _ => None,
    };
    if let Some(name) = name {
        return Err(
            CliError::usage(format!("`cognate {name}` has no JSON document to --query"))
                .hint("pipe its output to jq instead"),
        );
    }
    match ui.output {
        Output::Json => {}
        _ if !output_given => ui.output = Output::Json,
        other => {
            return Err(CliError::usage(format!(
                "--query filters JSON output, not `--output {}`",
                other.name()
            ))
            .hint("drop --output, or use --output json"));
        }
    }
    output::set_query(query)
}

fn run(command: Command, ui: &Ui) -> Result<()> {
    match command {
        Command::Decode(args) => decode::run(args, ui),
        Command::Verify(args) => verify::run(args, ui),
        Command::Configure(args) => configure::run(args, ui),
        Command::Auth(args) => auth::run(args, ui),
        Command::Completions(args) => completions::run(args, Cli::command(), ui),
        Command::Serve(args) => serve::serve(args).map_err(CliError::from),
        Command::Demo(_) if ui.output == Output::Env => Err(ui
            .unsupported("demo", &[Output::Text, Output::Json])
            .hint("use --output json: one JSON line per step")),
        Command::Demo(args) => demo::run(args, ui).map_err(CliError::from),
        Command::Login(args) => login::run(args, ui),
        Command::Token(args) => token::run(args, ui),
        Command::Curl(args) => curl::run(args, ui),
        Command::Graphql(args) => graphql::run(args, ui),
        Command::Whoami(args) => account::whoami(args, ui),
        Command::Logout(args) => account::logout(args, ui),
        Command::Passkey(args) => passkey::run(args, ui),
        Command::AwsCredentials(args) => aws_credentials::run(args, ui),
    }
}

/// Logs go to stderr: by default only this binary's warnings (the libraries' failures reach the
/// user as the one-line error), with -q nothing, more with each -v. `cognate::` is this binary's
/// target; a bare `cognate` would also match `cognate_verify`.
///
/// `cognate serve` is a server: by default it logs one line per request (operation, status,
/// latency, request id — never a body) and the outbox's messages at info.
fn init_logging(verbose: u8, quiet: bool, color: bool, serving: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = match (quiet, verbose) {
        (true, _) => "off",
        (false, 0) if serving => "cognate::=info,cognate_server=info",
        (false, 0) => "cognate::=warn",
        (false, 1) => "cognate::=info,cognate_verify=info,cognate_client=info,cognate_server=info",
        (false, 2) => "info,cognate::=debug,cognate_verify=debug,cognate_client=debug",
        (false, _) => "trace",
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("COGNATE_LOG").unwrap_or_else(|_| EnvFilter::new(filter)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .without_time()
        .with_target(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
