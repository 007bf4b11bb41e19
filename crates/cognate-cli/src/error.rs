//! The error a user sees: one line saying what went wrong, an optional hint, and an exit code.
//! Never a `Debug` dump, never a backtrace.

use std::fmt;
use std::io::Write;

use crate::exit::Exit;
use crate::style::Style;

/// A failure of a command, in the user's terms.
#[derive(Debug)]
pub struct CliError {
    exit: Exit,
    message: String,
    hint: Option<String>,
    /// What lies behind the message (the library's error, its causes), shown with `-v`.
    causes: Vec<String>,
}

/// The result of a command.
pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    /// A failure with this exit code.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
            hint: None,
            causes: Vec::new(),
        }
    }

    /// Wrong usage or configuration (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    /// Adds what the user can do about it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a cause, shown with `-v` only (on one line of its own, at most 2,000 characters).
    pub fn cause(mut self, cause: impl Into<String>) -> Self {
        let cause = cause.into();
        if !cause.is_empty() && !self.causes.contains(&cause) {
            self.causes.push(cause);
        }
        self
    }

    /// Replaces the hint.
    pub fn replace_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The hint, if any.
    pub fn hint_text(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// Changes the exit code.
    pub fn exit_with(mut self, exit: Exit) -> Self {
        self.exit = exit;
        self
    }

    /// The exit code.
    pub fn exit(&self) -> Exit {
        self.exit
    }

    /// Writes `error: …` and `hint: …`, each on one line; with `verbose`, a `caused by: …` line
    /// for each cause as well.
    pub fn print(&self, out: &mut impl Write, style: Style, verbose: bool) {
        let _ = writeln!(
            out,
            "{}error:{} {}",
            style.red(),
            style.reset(),
            one_line(&self.message)
        );
        if let Some(hint) = &self.hint {
            let _ = writeln!(
                out,
                "{}hint:{} {}",
                style.cyan(),
                style.reset(),
                one_line(hint)
            );
        }
        if verbose {
            for cause in &self.causes {
                let mut text = one_line(cause);
                if text.len() > 2000 {
                    let mut end = 2000;
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.truncate(end);
                    text.push_str(" …");
                }
                let _ = writeln!(out, "  caused by: {text}");
            }
        } else if !self.causes.is_empty() && self.hint.is_none() {
            let _ = writeln!(
                out,
                "{}hint:{} run again with -v to see the cause",
                style.cyan(),
                style.reset()
            );
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&one_line(&self.message))
    }
}

impl std::error::Error for CliError {}

/// Errors from the modules that use `anyhow`: a `CliError` they carry as it is, else the whole
/// chain of causes on one line (a cause that its parent's message already ends with, such as
/// an OS error, once).
impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        let e = match e.downcast::<CliError>() {
            Ok(cli) => return cli,
            Err(e) => e,
        };
        let mut message = String::new();
        for cause in e.chain() {
            let text = cause.to_string();
            if message.ends_with(&text) {
                continue;
            }
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
        CliError::new(Exit::Failure, message)
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::new(Exit::Failure, format!("JSON: {e}"))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::new(Exit::Failure, e.to_string())
    }
}

/// Joins the lines of a message so that one error is one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Replaces the default panic message (with its `RUST_BACKTRACE` note) by one line. A panic on
/// the main thread exits 1; one on another thread (a request of `cognate serve`, caught there
/// and answered as a 500) is reported and the process goes on.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_owned());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        // A panic on another thread (a request of `cognate serve` on a worker) is caught
        // there and answered as a 500: report it and let the process live on.
        if std::thread::current().name() != Some("main") {
            eprintln!(
                "error: internal error in cognate (the request failed, the server goes on): {}{at}",
                one_line(&what)
            );
            return;
        }
        eprintln!("error: internal error in cognate: {}{at}", one_line(&what));
        eprintln!("hint: this is a bug; please report it with the command you ran");
        std::process::exit(Exit::Failure.code().into());
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_one_line_and_a_hint() {
        let err = CliError::usage("no user pool\nconfigured").hint("run `cognate configure`");
        let mut out = Vec::new();
        err.print(&mut out, Style::plain(), false);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "error: no user pool configured\nhint: run `cognate configure`\n"
        );
        assert_eq!(err.exit(), Exit::Usage);
    }

    #[test]
    fn causes_only_with_verbose() {
        let err = CliError::new(Exit::Network, "cannot reach Cognito at http://x")
            .hint("check the endpoint")
            .cause("dispatch failure: DispatchFailure(DispatchFailure { source: … })");
        let mut quiet = Vec::new();
        err.print(&mut quiet, Style::plain(), false);
        let quiet = String::from_utf8(quiet).unwrap();
        assert_eq!(
            quiet,
            "error: cannot reach Cognito at http://x\nhint: check the endpoint\n"
        );
        let mut loud = Vec::new();
        err.print(&mut loud, Style::plain(), true);
        let loud = String::from_utf8(loud).unwrap();
        assert!(
            loud.ends_with(
                "\n  caused by: dispatch failure: DispatchFailure(DispatchFailure { source: … })\n"
            ),
            "{loud}"
        );
    }

    #[test]
    fn anyhow_chains_become_one_line() {
        let e = anyhow::anyhow!("root cause").context("reading the config");
        let err = CliError::from(e);
        assert_eq!(err.to_string(), "reading the config: root cause");
        assert_eq!(err.exit(), Exit::Failure);
        // A cause its parent's message already ends with is said once.
        let os = std::io::Error::from(std::io::ErrorKind::AddrInUse);
        let e = anyhow::Error::new(os).context(format!(
            "cannot listen: {}",
            std::io::Error::from(std::io::ErrorKind::AddrInUse)
        ));
        let err = CliError::from(e);
        assert_eq!(err.to_string().matches("in use").count(), 1, "{err}");
        // A CliError inside comes out as it went in.
        let inner = CliError::usage("wrong").hint("do this");
        let err = CliError::from(anyhow::Error::new(inner));
        assert_eq!(
            (err.exit(), err.hint_text()),
            (Exit::Usage, Some("do this"))
        );
    }
}
