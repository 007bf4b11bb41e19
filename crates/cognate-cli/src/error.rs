//! The error a user sees: one line saying what went wrong, an optional hint, and an exit code.
//! Never a `Debug` dump, never a backtrace.

use std::fmt;
use std::io::Write;

use crate::exit::Exit;
use crate::output::Style;

/// A failure of a command, in the user's terms.
#[derive(Debug)]
pub struct CliError {
    exit: Exit,
    message: String,
    hint: Option<String>,
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

    /// Changes the exit code.
    pub fn exit_with(mut self, exit: Exit) -> Self {
        self.exit = exit;
        self
    }

    /// The exit code.
    pub fn exit(&self) -> Exit {
        self.exit
    }

    /// Writes `error: …` and `hint: …`, each on one line.
    pub fn print(&self, out: &mut impl Write, style: Style) {
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
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&one_line(&self.message))
    }
}

/// Errors from the modules that use `anyhow`: the whole chain of causes on one line.
impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::new(Exit::Failure, format!("{e:#}"))
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
        err.print(&mut out, Style::plain());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "error: no user pool configured\nhint: run `cognate configure`\n"
        );
        assert_eq!(err.exit(), Exit::Usage);
    }

    #[test]
    fn anyhow_chains_become_one_line() {
        let e = anyhow::anyhow!("root cause").context("reading the config");
        let err = CliError::from(e);
        assert_eq!(err.to_string(), "reading the config: root cause");
        assert_eq!(err.exit(), Exit::Failure);
    }
}
