//! `zdwatch config`: where the config file is and whether it is valid, or the commented default.

use std::process::ExitCode;

use zdwatch_core::sanitize;

use crate::{EXIT_USAGE, cli, config};

/// `zdwatch config`: where the file is and whether it is valid, or the commented default.
pub(crate) fn run(args: &cli::ConfigArgs, explicit: Option<&std::path::Path>) -> ExitCode {
    if args.print_default {
        print!("{}", config::DEFAULT);
        return ExitCode::SUCCESS;
    }
    let Some(path) = explicit
        .map(|p| p.to_path_buf())
        .or_else(config::default_path)
    else {
        crate::say!("zdwatch: no config directory on this system (no home directory?)");
        return ExitCode::FAILURE;
    };
    let shown = sanitize::sanitize(&path.display().to_string()).into_owned();
    if explicit.is_none() && !path.exists() {
        println!(
            "{shown}: no file (the built-in defaults apply); start from `zdwatch config --print-default > {shown}`"
        );
        return ExitCode::SUCCESS;
    }
    match config::load(Some(&path)) {
        Ok(c) => {
            println!("{shown}: valid ({})", c.summary());
            ExitCode::SUCCESS
        }
        Err(e) => {
            crate::say!("zdwatch: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
