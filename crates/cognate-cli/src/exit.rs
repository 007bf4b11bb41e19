//! Exit codes: what a script can rely on. `cognate --help` and the README list them.

use std::process::ExitCode;

/// Why `cognate` stopped; each has a fixed exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Ok,
    /// 1: any failure without a code of its own (a file that cannot be written, a bug).
    Failure,
    /// 2: the command line or the configuration is wrong (clap uses 2 for usage errors too).
    Usage,
    /// 3: Cognito refused to authenticate (wrong password, revoked refresh token, not logged in).
    Auth,
    /// 4: the network failed: a server could not be reached, timed out, or a JWKS could not be
    /// fetched.
    Network,
    /// 5: an HTTP request made by `cognate curl --fail` got a status of 400 or more.
    Http,
    /// 6: the token is invalid (`verify`) or is not a JWT at all (`decode`).
    InvalidToken,
}

impl Exit {
    /// Every exit code, in order.
    pub const ALL: [Exit; 7] = [
        Exit::Ok,
        Exit::Failure,
        Exit::Usage,
        Exit::Auth,
        Exit::Network,
        Exit::Http,
        Exit::InvalidToken,
    ];

    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Auth => 3,
            Exit::Network => 4,
            Exit::Http => 5,
            Exit::InvalidToken => 6,
        }
    }

    /// A few words for the table in `--help`.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Ok => "success (for `verify`: the token is valid)",
            Exit::Failure => "any other failure",
            Exit::Usage => "wrong usage or configuration",
            Exit::Auth => "authentication refused by Cognito",
            Exit::Network => "network failure (unreachable, timeout, JWKS not fetched)",
            Exit::Http => "HTTP status >= 400 with `--fail`",
            Exit::InvalidToken => "invalid token (`verify`) or not a JWT (`decode`)",
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// The exit-status table shown at the end of `cognate --help`.
pub const HELP: &str = "\
Exit status:
  0  success (for `verify`: the token is valid)
  1  any other failure
  2  wrong usage or configuration
  3  authentication refused by Cognito
  4  network failure (unreachable, timeout, JWKS not fetched)
  5  HTTP status >= 400 with `--fail`
  6  invalid token (`verify`) or not a JWT (`decode`)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_table_lists_every_code() {
        let mut table = String::from("Exit status:");
        for exit in Exit::ALL {
            table.push_str(&format!("\n  {}  {}", exit.code(), exit.meaning()));
        }
        assert_eq!(HELP, table);
    }
}
