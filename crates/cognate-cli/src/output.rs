//! How results are written: the `--output` formats (data on stdout), the status lines on stderr
//! (silenced by `-q`), and colour (only on a terminal, never with `NO_COLOR`).

use std::io::Write;
use std::sync::OnceLock;

use clap::ValueEnum;
use serde_json::Value;

use crate::error::{CliError, Result};
use crate::style::Style;

/// The format of the data a command writes to stdout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// For people.
    #[default]
    Text,
    /// One JSON document.
    Json,
    /// `export KEY='value'` lines for `eval "$(cognate …)"` in a POSIX shell.
    Env,
}

impl Output {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Output::Text => "text",
            Output::Json => "json",
            Output::Env => "env",
        }
    }
}

/// What every command gets: the output format, `-q`, and the stderr style.
#[derive(Clone, Copy, Debug)]
pub struct Ui {
    /// `--output`.
    pub output: Output,
    /// `-q`: no status lines on stderr (errors are still shown).
    pub quiet: bool,
    /// Colour on stderr.
    pub style: Style,
}

impl Ui {
    /// A status line on stderr, unless `-q`.
    pub fn status(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }

    /// A usage error for a format this command does not have.
    pub fn unsupported(&self, command: &str, supported: &[Output]) -> CliError {
        let names: Vec<_> = supported.iter().map(|o| o.name()).collect();
        CliError::usage(format!(
            "`cognate {command}` has no `{}` output",
            self.output.name()
        ))
        .hint(format!("use --output {}", names.join(" or --output ")))
    }
}

/// The `--query` of this run, set once by `main` before any command runs.
static QUERY: OnceLock<String> = OnceLock::new();

/// Checks a `--query` expression (JMESPath, as the AWS CLI's) and makes it filter every JSON
/// document [`print_json`] writes from now on.
pub fn set_query(expression: &str) -> Result<()> {
    compile(expression)?;
    let _ = QUERY.set(expression.to_owned());
    Ok(())
}

fn compile(expression: &str) -> Result<jmespath::Expression<'static>> {
    jmespath::compile(expression).map_err(|e| {
        CliError::usage(format!(
            "--query {expression:?}: {} (column {})",
            e.reason,
            e.column + 1
        ))
        .hint("--query takes a JMESPath expression, e.g. --query 'profiles[0].username'")
    })
}

/// `value` filtered by the `--query`, if there is one.
fn filtered(value: &Value) -> Result<Value> {
    let Some(expression) = QUERY.get() else {
        return Ok(value.clone());
    };
    let result = compile(expression)?.search(value).map_err(|e| {
        CliError::usage(format!("--query {expression:?}: {}", e.reason))
            .hint("check the expression against the command's `-o json` output")
    })?;
    serde_json::to_value(&*result)
        .map_err(|e| CliError::new(crate::exit::Exit::Failure, e.to_string()))
}

/// Writes a JSON value, pretty, to stdout (filtered by `--query`).
pub fn print_json(value: &Value) -> Result<()> {
    let value = filtered(value)?;
    let mut out = std::io::stdout().lock();
    let text = serde_json::to_string_pretty(&value)
        .map_err(|e| CliError::new(crate::exit::Exit::Failure, e.to_string()))?;
    writeln!(out, "{text}")?;
    Ok(())
}

/// `export KEY='value'`, quoted for a POSIX shell (`'` becomes `'\''`): every `-o env` line.
pub fn env_line(key: &str, value: &str) -> String {
    format!("export {key}='{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines_are_shell_quoted() {
        assert_eq!(env_line("A", "plain"), "export A='plain'");
        assert_eq!(env_line("B", "it's $HOME"), r"export B='it'\''s $HOME'");
    }

    #[test]
    fn queries_are_jmespath() {
        let doc = serde_json::json!({"profiles": [{"profile": "a", "n": 1}, {"profile": "b"}]});
        let e = compile("profiles[?n].profile").unwrap();
        let got = serde_json::to_value(&*e.search(&doc).unwrap()).unwrap();
        assert_eq!(got, serde_json::json!(["a"]));
        let err = compile("profiles[").err().unwrap().to_string();
        assert!(err.starts_with("--query \"profiles[\": "), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn plain_style_has_no_escapes() {
        let s = Style::plain();
        assert_eq!(format!("{}x{}", s.red(), s.reset()), "x");
    }
}
