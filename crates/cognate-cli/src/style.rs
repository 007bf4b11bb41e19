//! Colour on the terminal: ANSI codes only when stderr is a terminal, `NO_COLOR` is unset or
//! empty and `TERM` is not `dumb`.

use std::io::IsTerminal;

/// ANSI colour, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

impl Style {
    /// No colour.
    #[cfg(test)]
    pub fn plain() -> Self {
        Style { color: false }
    }

    /// Colour when `NO_COLOR` is unset or empty, `TERM` is not `dumb`, and stderr is a terminal.
    pub fn for_stderr() -> Self {
        Style {
            color: color_allowed() && std::io::stderr().is_terminal(),
        }
    }

    fn code(self, code: &'static str) -> &'static str {
        if self.color { code } else { "" }
    }

    /// Starts red.
    pub fn red(self) -> &'static str {
        self.code("\x1b[1;31m")
    }

    /// Starts cyan.
    pub fn cyan(self) -> &'static str {
        self.code("\x1b[36m")
    }

    /// Ends a colour.
    pub fn reset(self) -> &'static str {
        self.code("\x1b[0m")
    }

    /// True when colour is on.
    pub fn is_color(self) -> bool {
        self.color
    }
}

/// False when `NO_COLOR` is set to anything but the empty string (<https://no-color.org>) or
/// `TERM=dumb`.
pub fn color_allowed() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
    !no_color && !dumb
}
