//! The prompts of `cognate login`: a line with echo (user names, codes), a secret without echo
//! (passwords), a secret line from standard input (`--password-stdin`), a choice of second
//! factor, and an MFA key shown as a QR code.
//!
//! At a password prompt the terminal's echo is off, and it is restored on every way out: the
//! answer, end of input, an error, a panic (a guard restores it when dropped) and Ctrl-C (read
//! as a key while the prompt is up, so the settings are restored before `cognate` exits with
//! status 130).

use std::io::{BufRead, Read, Write};

use secrecy::{ExposeSecret, SecretString};

use cognate_client::MfaType;

use crate::error::{CliError, Result};
use crate::exit::Exit;

/// One line from standard input, the newline removed; empty is an error naming `what`.
pub(crate) fn read_line_secret(input: &mut impl BufRead, what: &str) -> Result<SecretString> {
    let mut line = String::new();
    input.read_line(&mut line)?;
    let secret = line.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(CliError::usage(format!("{what}: standard input is empty"))
            .hint("pipe the password in: printf %s \"$PW\" | cognate login --password-stdin"));
    }
    let secret = SecretString::from(secret.to_owned());
    zeroize_string(line);
    Ok(secret)
}

fn zeroize_string(s: String) {
    let _ = SecretString::from(s);
}

/// Prompts on stderr and reads a line (with echo).
pub(crate) fn prompt_line(prompt: &str) -> Result<String> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Err(CliError::usage("standard input ended before an answer"));
    }
    Ok(line.trim().to_owned())
}

/// Prompts on stderr and reads a line from the terminal with echo off.
///
/// Echo goes off before the prompt is shown: whatever is typed (or pasted) as soon as the
/// prompt appears is never echoed. The terminal's settings come back on every way out: a
/// [`TerminalGuard`] restores them when dropped (the answer, end of input, an error, a panic).
/// Ctrl-C would kill the process by a signal before anything could restore them, so while the
/// prompt is up the terminal's signal keys are read as keys (`ISIG` off, line editing done
/// here): Ctrl-C restores the settings, then exits with status 130 (128 + `SIGINT`), as a
/// shell expects of an interrupted command. Ctrl-Z and Ctrl-\ do nothing at this prompt.
#[cfg(unix)]
pub(crate) fn prompt_secret(prompt: &str) -> Result<SecretString> {
    use rustix::termios::{LocalModes, OptionalActions, SpecialCodeIndex, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin).map_err(std::io::Error::from)?;
    let keys = Keys {
        interrupt: saved.special_codes[SpecialCodeIndex::VINTR],
        end: saved.special_codes[SpecialCodeIndex::VEOF],
        erase: saved.special_codes[SpecialCodeIndex::VERASE],
        kill: saved.special_codes[SpecialCodeIndex::VKILL],
    };
    let mut quiet = saved.clone();
    quiet
        .local_modes
        .remove(LocalModes::ECHO | LocalModes::ICANON | LocalModes::ISIG);
    quiet.special_codes[SpecialCodeIndex::VMIN] = 1;
    quiet.special_codes[SpecialCodeIndex::VTIME] = 0;
    let guard = TerminalGuard { saved };
    tcsetattr(&stdin, OptionalActions::Now, &quiet).map_err(std::io::Error::from)?;
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let typed = read_typed(&mut stdin.lock(), &keys);
    drop(guard);
    eprintln!();
    match typed? {
        Typed::Line(secret) if secret.expose_secret().is_empty() => Err(CliError::usage(
            "the password: nothing was typed",
        )
        .hint("type the password at the prompt, or use --password-stdin or COGNATE_PASSWORD")),
        Typed::Line(secret) => Ok(secret),
        Typed::End => Err(CliError::usage(
            "the password: standard input ended before an answer",
        )),
        Typed::Interrupted => std::process::exit(130),
    }
}

/// Puts the terminal's settings back as they were when dropped.
#[cfg(unix)]
struct TerminalGuard {
    saved: rustix::termios::Termios,
}

#[cfg(unix)]
impl Drop for TerminalGuard {
    fn drop(&mut self) {
        use rustix::termios::{OptionalActions, tcsetattr};
        let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &self.saved);
    }
}

/// The terminal's editing keys (0 when a key is disabled).
#[derive(Clone, Copy, Debug)]
struct Keys {
    /// Ctrl-C.
    interrupt: u8,
    /// Ctrl-D.
    end: u8,
    /// Backspace (DEL; ^H is taken too).
    erase: u8,
    /// Ctrl-U.
    kill: u8,
}

/// How a secret prompt ended.
enum Typed {
    /// Enter: the line (without it).
    Line(SecretString),
    /// End of input, or Ctrl-D on an empty line.
    End,
    /// Ctrl-C.
    Interrupted,
}

/// Reads one line key by key from a terminal without line editing, editing it as the terminal
/// would (erase, kill line, end of input on an empty line) and stopping at Ctrl-C.
fn read_typed(input: &mut impl Read, keys: &Keys) -> Result<Typed> {
    use secrecy::zeroize::Zeroize;
    let is = |b: u8, key: u8| key != 0 && b == key;
    let mut line: Vec<u8> = Vec::new();
    let mut byte = [0u8; 1];
    let outcome = loop {
        let b = match input.read(&mut byte) {
            Ok(0) => break Typed::End,
            Ok(_) => byte[0],
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                line.zeroize();
                return Err(e.into());
            }
        };
        match b {
            b'\n' | b'\r' => {
                let text = match String::from_utf8(std::mem::take(&mut line)) {
                    Ok(text) => text,
                    Err(e) => {
                        e.into_bytes().zeroize();
                        byte.zeroize();
                        return Err(CliError::usage("the password is not valid UTF-8"));
                    }
                };
                break Typed::Line(SecretString::from(text));
            }
            b if is(b, keys.interrupt) => break Typed::Interrupted,
            b if is(b, keys.end) => {
                if line.is_empty() {
                    break Typed::End;
                }
            }
            b if is(b, keys.erase) || b == 0x08 => {
                // One character: its UTF-8 continuation bytes, then its first byte.
                while line.last().is_some_and(|c| c & 0xC0 == 0x80) {
                    line.pop();
                }
                line.pop();
            }
            b if is(b, keys.kill) => line.zeroize(),
            b => line.push(b),
        }
    };
    line.zeroize();
    byte.zeroize();
    Ok(outcome)
}

#[cfg(not(unix))]
pub(crate) fn prompt_secret(prompt: &str) -> Result<SecretString> {
    eprint!("{prompt}");
    read_line_secret(&mut std::io::stdin().lock(), "the password")
}

/// `text` as a QR code of Unicode half blocks (two modules a character), light modules drawn
/// and dark ones left blank, for a terminal with a dark background; `None` if it does not fit
/// in a QR code.
pub(crate) fn qr_code(text: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

pub(crate) fn choose(options: &[MfaType]) -> Result<MfaType> {
    if options.is_empty() {
        return Err(CliError::new(
            Exit::Auth,
            "SELECT_MFA_TYPE offered no factor",
        ));
    }
    eprintln!("Choose a second factor:");
    for (i, o) in options.iter().enumerate() {
        eprintln!("  {}. {}", i + 1, o.as_str());
    }
    loop {
        let answer = prompt_line("Number: ")?;
        match answer.trim().parse::<usize>() {
            Ok(n) if (1..=options.len()).contains(&n) => return Ok(options[n - 1].clone()),
            _ => eprintln!("answer 1 to {}", options.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: Keys = Keys {
        interrupt: 3,
        end: 4,
        erase: 0x7f,
        kill: 0x15,
    };

    fn typed(bytes: &[u8]) -> Typed {
        read_typed(&mut &bytes[..], &KEYS).unwrap()
    }

    #[test]
    fn secret_prompts_edit_like_a_terminal_and_stop_at_ctrl_c() {
        let line = |bytes: &[u8]| match typed(bytes) {
            Typed::Line(s) => s.expose_secret().to_owned(),
            _ => panic!("not a line: {bytes:?}"),
        };
        assert_eq!(line(b"pass word\n"), "pass word");
        assert_eq!(line(b"pass\r"), "pass");
        // Backspace (DEL or ^H) takes one character, also a multi-byte one; ^U the line.
        assert_eq!(line(b"ab\x7fc\n"), "ac");
        assert_eq!(line("p\u{e9}\x7fe\x08x\n".as_bytes()), "px");
        assert_eq!(line(b"wrong\x15right\n"), "right");
        assert_eq!(line(b"\x7f\x7fok\n"), "ok");
        // Ctrl-D ends input only on an empty line.
        assert_eq!(line(b"ab\x04c\n"), "abc");
        assert!(matches!(typed(b"\x04"), Typed::End));
        assert!(matches!(typed(b""), Typed::End));
        assert!(matches!(typed(b"half"), Typed::End));
        // Ctrl-C stops at once, whatever follows.
        assert!(matches!(typed(b"secr\x03et\n"), Typed::Interrupted));
        // A disabled key (0) is never matched: NUL is text then.
        let none = Keys {
            interrupt: 0,
            ..KEYS
        };
        assert!(matches!(
            read_typed(&mut &b"a\x00\x03\n"[..], &none).unwrap(),
            Typed::Line(s) if s.expose_secret() == "a\x00\x03"
        ));
    }

    #[test]
    fn stdin_passwords_lose_only_the_newline() {
        let p = read_line_secret(&mut &b"  pass word \n"[..], "x").unwrap();
        assert_eq!(p.expose_secret(), "  pass word ");
        assert!(read_line_secret(&mut &b"\n"[..], "x").is_err());
    }

    #[test]
    fn otpauth_uris_become_qr_codes_of_half_blocks() {
        let qr =
            qr_code("otpauth://totp/cognate:alice?secret=JBSWY3DPEHPK3PXP&issuer=cognate").unwrap();
        let lines: Vec<&str> = qr.lines().collect();
        let width = lines[0].chars().count();
        // Version 3 or more (29+ modules) plus a 4-module quiet zone on each side.
        assert!(width >= 37, "{qr}");
        assert!(lines.iter().all(|l| l.chars().count() == width), "{qr}");
        assert!(qr.chars().all(|c| " ▀▄█\n".contains(c)), "{qr}");
        // Two modules a line: about half as many lines as columns.
        assert_eq!(lines.len(), width.div_ceil(2));
    }
}
