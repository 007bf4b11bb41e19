//! The prompts of `cognate configure` on a terminal: a value (Enter keeps it, `-` clears it)
//! and the client secret (echo off), or a line of standard input.

use std::io::{BufRead, Write};

use secrecy::SecretString;

use crate::error::{CliError, Result};

pub(super) type Check = fn(&str) -> Result<()>;

/// Asks for one value on `out`, reading a line of `input`: Enter keeps `field`, `-` clears it.
pub(super) fn ask(
    input: &mut impl BufRead,
    out: &mut impl Write,
    label: &str,
    field: &mut Option<String>,
    check: Option<Check>,
) -> Result<()> {
    loop {
        match field {
            Some(current) => write!(out, "{label} [{current}]: ")?,
            None => write!(out, "{label}: ")?,
        }
        out.flush()?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            writeln!(out)?;
            return Ok(());
        }
        let answer = line.trim();
        match answer {
            "" => return Ok(()),
            "-" => {
                *field = None;
                return Ok(());
            }
            value => match check.map_or(Ok(()), |c| c(value)) {
                Ok(()) => {
                    *field = Some(value.to_owned());
                    return Ok(());
                }
                Err(e) => writeln!(out, "{e}; try again")?,
            },
        }
    }
}

pub(super) fn read_secret_line(input: &mut impl BufRead) -> Result<SecretString> {
    let mut line = String::new();
    input.read_line(&mut line)?;
    let secret = line.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(
            CliError::usage("--store-client-secret: standard input is empty")
                .hint("pipe the secret in, or pass it with COGNATE_CLIENT_SECRET"),
        );
    }
    Ok(SecretString::from(secret.to_owned()))
}

/// Prompts on stderr and reads a line from the terminal with echo off.
#[cfg(unix)]
pub(super) fn read_secret_from_terminal(prompt: &str) -> Result<SecretString> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    eprint!("{prompt}");
    let saved = tcgetattr(&stdin).map_err(std::io::Error::from)?;
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    tcsetattr(&stdin, OptionalActions::Now, &quiet).map_err(std::io::Error::from)?;
    let result = read_secret_line(&mut stdin.lock());
    let _ = tcsetattr(&stdin, OptionalActions::Now, &saved);
    eprintln!();
    result
}

#[cfg(not(unix))]
pub(super) fn read_secret_from_terminal(prompt: &str) -> Result<SecretString> {
    eprint!("{prompt}");
    read_secret_line(&mut std::io::stdin().lock())
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;
    use crate::connection::check_user_pool_id;

    #[test]
    fn ask_keeps_sets_clears_and_rechecks() {
        let mut out = Vec::new();
        let mut field = Some("old".to_owned());
        ask(&mut "\n".as_bytes(), &mut out, "X", &mut field, None).unwrap();
        assert_eq!(field.as_deref(), Some("old"));
        ask(&mut "new\n".as_bytes(), &mut out, "X", &mut field, None).unwrap();
        assert_eq!(field.as_deref(), Some("new"));
        ask(&mut "-\n".as_bytes(), &mut out, "X", &mut field, None).unwrap();
        assert_eq!(field, None);
        let mut out = Vec::new();
        ask(
            &mut "bad\nus-east-1_Ok1\n".as_bytes(),
            &mut out,
            "User pool id",
            &mut field,
            Some(check_user_pool_id),
        )
        .unwrap();
        assert_eq!(field.as_deref(), Some("us-east-1_Ok1"));
        let shown = String::from_utf8(out).unwrap();
        assert!(
            shown.contains("\"bad\" is not a user pool id; try again"),
            "{shown}"
        );
    }

    #[test]
    fn secret_lines_lose_only_the_newline() {
        let s = read_secret_line(&mut " s3cret \n".as_bytes()).unwrap();
        assert_eq!(s.expose_secret(), " s3cret ");
        assert!(read_secret_line(&mut "".as_bytes()).is_err());
    }
}
