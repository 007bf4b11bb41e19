#![allow(clippy::unwrap_used, missing_docs)]
#![cfg(unix)]
//! `cognate login` as a person uses it: the real binary in a real terminal (a detached tmux
//! session, 120×40, on its own server socket), keys typed with `send-keys`, the screen read with
//! `capture-pane`. The local Cognito runs in this test process.
//!
//! Every wait polls the screen for the expected text for at most [`PATIENCE`]; nothing here
//! asserts a duration. tmux is installed by `scripts/install-interop`.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use support::{Home, PASSWORD, POOL, USER, call, mode, text};

/// How long the screen may take to show what is expected.
const PATIENCE: Duration = Duration::from_secs(20);

/// A tmux server of our own (`tmux -L <unique>`) with one session running `cognate`; the
/// server is killed and its socket removed on drop, also when a test fails.
struct Terminal {
    socket: String,
}

impl Terminal {
    /// Starts `cognate ARGS` in a new 120×40 terminal, with `home`'s shell environment and
    /// nothing else: the pool, app client and endpoint come from the profile (written with
    /// [`Home::configure`] first). When cognate exits, the pane shows
    /// `[cognate exited with N]` and stays open.
    fn start(home: &Home, args: &[&str]) -> Terminal {
        Self::start_then(home, args, "")
    }

    /// [`Terminal::start`], with the shell running `then` after cognate exits (and after the
    /// `[cognate exited with N]` line). The shell traps SIGINT (a trap, not an ignore: cognate
    /// still gets Ctrl-C as usual) so that it survives a Ctrl-C sent to cognate.
    fn start_then(home: &Home, args: &[&str], then: &str) -> Terminal {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let socket = format!(
            "cognate-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        assert!(
            Command::new("tmux").arg("-V").output().is_ok(),
            "tmux is needed for these tests: `apt-get install -y tmux` (scripts/install-interop \
             installs it)"
        );
        let mut line = String::from("trap : INT; env -i TERM=screen");
        for (k, v) in home.shell_env() {
            line.push_str(&format!(" {k}={}", quote(&v)));
        }
        line.push_str(&format!(
            " {}",
            quote(&support::bin().display().to_string())
        ));
        for a in args {
            line.push_str(&format!(" {}", quote(a)));
        }
        line.push_str("; echo \"[cognate exited with $?]\"");
        if !then.is_empty() {
            line.push_str("; ");
            line.push_str(then);
        }
        line.push_str("; exec sleep 3600");
        let terminal = Terminal { socket };
        let out = terminal.tmux(&[
            "new-session",
            "-d",
            "-x",
            "120",
            "-y",
            "40",
            "-s",
            "cognate",
            &line,
        ]);
        assert!(out.status.success(), "tmux: {}", text(&out.stderr));
        terminal
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-u", "-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap()
    }

    /// Everything on the screen and in the scrollback, wrapped lines joined.
    fn screen(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-J", "-S", "-", "-t", "cognate"]);
        assert!(out.status.success(), "tmux: {}", text(&out.stderr));
        text(&out.stdout)
    }

    /// Waits until the screen satisfies `done`; the screen then. Fails with the screen after
    /// [`PATIENCE`].
    fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "waited {PATIENCE:?} for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `needle` is on the screen `times` times.
    fn wait_for_n(&self, needle: &str, times: usize) -> String {
        self.wait_until(&format!("{times}× {needle:?}"), |s| {
            s.matches(needle).count() >= times
        })
    }

    /// Waits until `needle` is on the screen.
    fn wait_for(&self, needle: &str) -> String {
        self.wait_for_n(needle, 1)
    }

    /// Types `keys` literally, then Enter.
    fn type_line(&self, keys: &str) {
        let out = self.tmux(&["send-keys", "-t", "cognate", "-l", keys]);
        assert!(out.status.success(), "tmux: {}", text(&out.stderr));
        let out = self.tmux(&["send-keys", "-t", "cognate", "Enter"]);
        assert!(out.status.success(), "tmux: {}", text(&out.stderr));
    }

    /// Sends one key by its tmux name (`C-c`, `C-d`).
    fn key(&self, key: &str) {
        let out = self.tmux(&["send-keys", "-t", "cognate", key]);
        assert!(out.status.success(), "tmux: {}", text(&out.stderr));
    }

    /// Waits for cognate to exit; its exit code and the final screen.
    fn exit(&self) -> (i32, String) {
        let screen = self.wait_for("[cognate exited with ");
        let code = screen
            .split("[cognate exited with ")
            .nth(1)
            .and_then(|rest| rest.split(']').next())
            .unwrap()
            .parse()
            .unwrap();
        (code, screen)
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        // tmux leaves its socket behind: remove it too.
        let socket = self.tmux(&["display-message", "-p", "#{socket_path}"]);
        let _ = self.tmux(&["kill-server"]);
        let path = text(&socket.stdout);
        if socket.status.success() && path.trim_end().ends_with(&self.socket) {
            let _ = std::fs::remove_file(path.trim_end());
        }
    }
}

/// `s` in single quotes for `sh`.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `cognate token --profile P` prints one access token, which `cognate verify --profile P`
/// accepts, and `cognate whoami` names `username` (the profile's settings only).
fn assert_token(home: &Home, profile: &str, username: &str) -> String {
    let run = |args: &[&str]| {
        let out = Command::new(support::bin())
            .env_clear()
            .envs(home.shell_env())
            .args(args)
            .args(["--profile", profile])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    let token = run(&["token"]);
    let token = token.strip_suffix('\n').unwrap().to_owned();
    assert_eq!(token.split('.').count(), 3, "{token}");
    run(&["verify", "--token-use", "access", &token]);
    let who: serde_json::Value = serde_json::from_str(&run(&["whoami", "-o", "json"])).unwrap();
    assert_eq!(who["username"], username);
    token
}

#[test]
fn login_asks_the_username_and_the_password_without_echo() {
    let home = Home::new();
    home.configure("work");
    let term = Terminal::start(&home, &["login", "--profile", "work"]);
    term.wait_for("Username: ");
    term.type_line(USER);
    term.wait_for("Password for alice: ");
    term.type_line(PASSWORD);
    let (code, screen) = term.exit();
    assert_eq!(code, 0, "{screen}");
    // The username was echoed as typed; the password never was.
    assert!(screen.contains("Username: alice\n"), "{screen}");
    assert!(screen.contains("Password for alice: \n"), "{screen}");
    assert!(!screen.contains(PASSWORD), "{screen}");
    assert!(!screen.contains("Correct"), "{screen}");
    assert!(
        screen.contains("logged in as alice (profile work); tokens saved in "),
        "{screen}"
    );
    let file = home.token_file("work");
    assert_eq!(mode(&file), 0o600);
    assert_token(&home, "work", USER);
    // The default profile was not touched.
    assert!(!home.token_file("default").exists());
}

/// The terminal's local modes as `stty` prints them after cognate left, on a line of its own
/// (`[stty] echo icanon isig ...`).
const STTY: &str = "echo \"[stty] $(stty -a | tr -s ' ;\\n' '   ')\"";

/// The words of the `[stty]` line on `screen`.
fn stty_words(screen: &str) -> Vec<String> {
    let line = screen
        .lines()
        .find_map(|l| l.strip_prefix("[stty] "))
        .unwrap_or_else(|| panic!("no [stty] line:\n{screen}"));
    line.split_whitespace().map(str::to_owned).collect()
}

/// Ctrl-C or Ctrl-D (after Ctrl-U) at the password prompt (echo off) ends the login and leaves the terminal as
/// it was: echo on, line editing on, Ctrl-C a signal again. Ctrl-C exits 130.
#[test]
fn interrupting_the_password_prompt_restores_the_terminal() {
    let home = Home::new();
    home.configure("default");
    // Ctrl-D ends input only on an empty line, as in a terminal's own line editing: Ctrl-U
    // (kill the line) first.
    for (keys, exit) in [(&["C-c"][..], 130), (&["C-u", "C-d"][..], 2)] {
        let key = keys.join(" ");
        let term = Terminal::start_then(&home, &["login", "--username", USER], STTY);
        term.wait_for("Password for alice: ");
        // Half a password, then the key.
        let out = term.tmux(&["send-keys", "-t", "cognate", "-l", "Correct h"]);
        assert!(out.status.success(), "tmux: {}", text(&out.stderr));
        for k in keys {
            term.key(k);
        }
        let (code, _) = term.exit();
        let screen = term.wait_for("[stty] ");
        assert_eq!(code, exit, "{key}: {screen}");
        assert!(!screen.contains("Correct"), "{key}: {screen}");
        let words = stty_words(&screen);
        for mode in ["echo", "icanon", "isig"] {
            assert!(
                words.iter().any(|w| w == mode),
                "{key}: `{mode}` is not on after cognate exited:\n{screen}"
            );
            let off = format!("-{mode}");
            assert!(!words.contains(&off), "{key}: {off}:\n{screen}");
        }
        // And the shell's terminal echoes what is typed again.
        term.type_line("echo-is-back");
        term.wait_for("echo-is-back");
        assert!(!home.token_file("default").exists());
    }
}

#[test]
fn a_wrong_password_on_the_terminal_fails_with_a_hint() {
    let home = Home::new();
    home.configure("default");
    let term = Terminal::start(&home, &["login", "--username", USER]);
    term.wait_for("Password for alice: ");
    term.type_line("Not the password 1!");
    let (code, screen) = term.exit();
    assert_eq!(code, 3, "{screen}");
    assert!(!screen.contains("Not the password"), "{screen}");
    assert!(
        screen.contains("error: Incorrect username or password."),
        "{screen}"
    );
    assert!(screen.contains("hint: check the username"), "{screen}");
    assert!(!home.token_file("default").exists());
}

/// A user created by an administrator (`AdminCreateUser` with a temporary password).
fn admin_create_user(name: &str) {
    let created = call(
        "AdminCreateUser",
        &json!({
            "UserPoolId": POOL, "Username": name, "TemporaryPassword": "Temporary 1!",
            "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")}],
        }),
    )
    .unwrap();
    assert_eq!(created["User"]["UserStatus"], "FORCE_CHANGE_PASSWORD");
}

fn user_status(name: &str) -> String {
    let user = call(
        "AdminGetUser",
        &json!({"UserPoolId": POOL, "Username": name}),
    )
    .unwrap();
    user["UserStatus"].as_str().unwrap().to_owned()
}

#[test]
fn new_password_challenge_asks_twice_and_again_when_they_differ() {
    let name = "newcomer";
    admin_create_user(name);
    let new_password = "Brand new passw0rd!";
    let home = Home::new();
    home.configure("new");
    let term = Terminal::start(&home, &["login", "--profile", "new", "--username", name]);
    term.wait_for("Password for newcomer: ");
    term.type_line("Temporary 1!");
    term.wait_for("newcomer must choose a new password.");
    term.wait_for("New password: ");
    term.type_line(new_password);
    term.wait_for("New password again: ");
    term.type_line("Something else 1!");
    // The confirmation differs: the CLI says so and asks both again.
    term.wait_for("the passwords differ; try again");
    term.wait_for_n("New password: ", 2);
    assert_eq!(user_status(name), "FORCE_CHANGE_PASSWORD");
    term.type_line(new_password);
    term.wait_for_n("New password again: ", 2);
    term.type_line(new_password);
    let (code, screen) = term.exit();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("logged in as newcomer (profile new)"),
        "{screen}"
    );
    for secret in ["Temporary 1!", new_password, "Something else"] {
        assert!(!screen.contains(secret), "{secret} echoed:\n{screen}");
    }
    assert_eq!(user_status(name), "CONFIRMED");
    assert_token(&home, "new", name);
    // The new password is the password now; the temporary one is not.
    let other = Home::new();
    let out = other.run(
        &["login", "--username", name, "--password-stdin"],
        &format!("{new_password}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = other.run(
        &["login", "--username", name, "--password-stdin"],
        "Temporary 1!\n",
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}

#[test]
fn a_new_password_the_policy_refuses_ends_the_login_with_a_hint() {
    let name = "newcomer-weak";
    admin_create_user(name);
    let home = Home::new();
    home.configure("default");
    let term = Terminal::start(&home, &["login", "--username", name]);
    term.wait_for("Password for newcomer-weak: ");
    term.type_line("Temporary 1!");
    term.wait_for("New password: ");
    term.type_line("short");
    term.wait_for("New password again: ");
    term.type_line("short");
    let (code, screen) = term.exit();
    // InvalidPasswordException: exit 3, Cognito's message, and what to do.
    assert_eq!(code, 3, "{screen}");
    assert!(
        screen.contains("error: Password did not conform with policy: Password not long enough"),
        "{screen}"
    );
    assert!(
        screen.contains("hint: choose a password that meets the pool's password policy"),
        "{screen}"
    );
    assert!(!home.token_file("default").exists());
    assert_eq!(user_status(name), "FORCE_CHANGE_PASSWORD");
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The value after `label` on a line of `screen`.
fn shown(screen: &str, label: &str) -> String {
    screen
        .lines()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} on the screen:\n{screen}"))
        .trim()
        .to_owned()
}

/// A pool with MFA required and only TOTP enabled: the first login sets up the authenticator
/// app (MFA_SETUP: the secret, otpauth URI and its QR code on the screen, the first code
/// typed), later logins ask for a code (SOFTWARE_TOKEN_MFA).
#[test]
fn totp_mfa_is_set_up_on_the_first_login_and_asked_on_the_next() {
    use support::{MFA_CLIENT, MFA_POOL, MFA_USER};
    let config = call(
        "SetUserPoolMfaConfig",
        &json!({"UserPoolId": MFA_POOL, "MfaConfiguration": "ON",
                "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .unwrap();
    assert_eq!(config["MfaConfiguration"], "ON", "{config}");
    let home = Home::new();
    home.configure_pool("mfa", MFA_POOL, MFA_CLIENT);
    let login = ["login", "--profile", "mfa", "--username", MFA_USER];

    // 1. MFA_SETUP: read the key off the screen as a person would, into "the app".
    let term = Terminal::start(&home, &login);
    term.wait_for("Password for bob: ");
    term.type_line(PASSWORD);
    let screen = term.wait_for("First code from the app: ");
    assert!(
        screen.contains("This pool requires MFA. Add this key to your authenticator app:"),
        "{screen}"
    );
    let secret = shown(&screen, "secret:");
    let uri = shown(&screen, "URI:");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    // The QR code on the screen is the URI's (light modules drawn, for a dark background).
    let qr: Vec<&str> = screen
        .lines()
        .skip_while(|l| *l != "or scan this QR code:")
        .skip(1)
        .take_while(|l| !l.is_empty() && l.chars().all(|c| " ▀▄█".contains(c)))
        .collect();
    let expected = qrcode::QrCode::new(uri.as_bytes())
        .unwrap()
        .render::<qrcode::render::unicode::Dense1x2>()
        .dark_color(qrcode::render::unicode::Dense1x2::Light)
        .light_color(qrcode::render::unicode::Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    let expected: Vec<&str> = expected.lines().collect();
    assert!(expected.len() >= 15, "{expected:?}");
    assert_eq!(qr, expected, "the screen:\n{screen}");
    let app = cognate_totp::TotpSecret::from_base32(&secret).unwrap();
    // A code that is none of the steps around now (for this step and the next ones).
    let now = unix_now();
    let wrong = (1..)
        .map(|step| app.code_for_step(step))
        .find(|c| (0..5).all(|d| *c != app.code_at(now + d * 30 - 30)))
        .unwrap();
    // A mistyped first code: asked again, with the same key (no new set-up).
    term.type_line(&wrong);
    term.wait_for("Code mismatch and fail enable Software Token MFA; try again (2 tries left)");
    term.wait_for_n("First code from the app: ", 2);
    term.type_line(&app.code_at(unix_now()));
    let (code, screen) = term.exit();
    assert_eq!(screen.matches("secret:").count(), 1, "{screen}");
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("logged in as bob (profile mfa)"),
        "{screen}"
    );
    assert!(!screen.contains(PASSWORD), "{screen}");
    let first = assert_token(&home, "mfa", MFA_USER);
    drop(term);

    // 2. SOFTWARE_TOKEN_MFA, a wrong code: asked again in the same login (no second
    // password), then the right code logs in. The right code is the next step's: the one just
    // used at set-up is good only once, and the local Cognito accepts a code one 30 s step
    // early or late, for clock drift.
    let term = Terminal::start(&home, &login);
    term.wait_for("Password for bob: ");
    term.type_line(PASSWORD);
    let screen = term.wait_for("Code from your authenticator app: ");
    assert!(!screen.contains("secret:"), "no second set-up:\n{screen}");
    term.type_line(&wrong);
    term.wait_for("Invalid code received for user; try again (2 tries left)");
    term.wait_for_n("Code from your authenticator app: ", 2);
    term.type_line(&app.code_at(unix_now() + 30));
    let (code, screen) = term.exit();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("logged in as bob (profile mfa)"),
        "{screen}"
    );
    assert_eq!(screen.matches("Password for bob: ").count(), 1, "{screen}");
    drop(term);
    let second = assert_token(&home, "mfa", MFA_USER);
    assert_ne!(first, second);

    // 3. Three wrong codes: the login ends, saying what to do.
    let term = Terminal::start(&home, &login);
    term.wait_for("Password for bob: ");
    term.type_line(PASSWORD);
    for n in 1..=3 {
        term.wait_for_n("Code from your authenticator app: ", n);
        term.type_line(&wrong);
    }
    let (code, screen) = term.exit();
    assert_eq!(code, 3, "{screen}");
    assert!(screen.contains("(1 try left)"), "{screen}");
    assert_eq!(
        screen.matches("Code from your authenticator app: ").count(),
        3,
        "{screen}"
    );
    assert!(
        screen.contains("error: Invalid code received for user"),
        "{screen}"
    );
    assert!(
        screen.contains("hint: run `cognate login` again"),
        "{screen}"
    );
    // The saved tokens are still those of the last good login.
    assert_eq!(assert_token(&home, "mfa", MFA_USER), second);
}

#[test]
fn email_codes_are_typed_at_the_prompt_and_asked_again_when_wrong() {
    let home = Home::new();
    home.configure_pool("otp", support::OTP_POOL, support::OTP_CLIENT);
    let term = Terminal::start(
        &home,
        &[
            "login",
            "--profile",
            "otp",
            "--username",
            support::OTP_USER,
            "--method",
            "email-otp",
        ],
    );
    term.wait_for("Code sent by email to c***@e***.com: ");
    let code = support::last_code(support::OTP_POOL, support::OTP_USER, "EMAIL_OTP").unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    term.type_line(wrong);
    term.wait_for("try again (2 tries left)");
    term.type_line(&code);
    let (status, screen) = term.exit();
    assert_eq!(status, 0, "{screen}");
    assert!(screen.contains("logged in as carol"), "{screen}");
    // No password was asked.
    assert!(!screen.contains("Password"), "{screen}");
    assert_token(&home, "otp", support::OTP_USER);
}
