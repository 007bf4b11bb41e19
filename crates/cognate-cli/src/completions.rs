//! `cognate completions SHELL`: a completion script for the shell, on stdout.

use clap::Args;
use clap_complete::Shell;

use crate::error::Result;

/// Options of `cognate completions`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  cognate completions bash > ~/.local/share/bash-completion/completions/cognate
  cognate completions zsh > \"${fpath[1]}/_cognate\"
  cognate completions fish > ~/.config/fish/completions/cognate.fish")]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Writes the script for `args.shell` describing `command`.
pub fn run(
    args: CompletionsArgs,
    mut command: clap::Command,
    ui: &crate::output::Ui,
) -> Result<()> {
    if ui.output != crate::output::Output::Text {
        return Err(ui
            .unsupported("completions", &[crate::output::Output::Text])
            .hint("a completion script is shell code; leave out --output"));
    }
    let name = command.get_name().to_owned();
    clap_complete::generate(args.shell, &mut command, name, &mut std::io::stdout());
    Ok(())
}
