//! The CLI's error: a message naming the flag or input to fix, and the exit code a script can
//! act on ([`Exit`], listed in `weft --help`).

use std::process::ExitCode;

use weft_client::ClientError;

/// Exit codes, by what went wrong. Clap's own usage errors also exit 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 1: anything else (a file that cannot be written, a node that stopped itself).
    Failure = 1,
    /// 2: the command line (a flag, its value, the config file, the data dir it names) must
    /// change.
    Usage = 2,
    /// 3: the node refused the request (bad input it named, pool full, not a producer, busy).
    Refused = 3,
    /// 4: the node answered something that does not verify against the trusted key: do not
    /// trust it.
    Misbehaved = 4,
    /// 5: the node does not have what was asked (no such height, blob, or no blob in the
    /// namespace).
    NotFound = 5,
    /// 6: the node could not be reached, or the connection failed before its answer was whole.
    Unreachable = 6,
}

/// The exit codes as `weft --help` lists them.
pub(crate) const EXIT_CODES_HELP: &str = "Exit codes: 0 success; 1 failure; 2 usage (a flag, \
    the config file or the data dir must change); 3 the node refused the request; 4 the node \
    misbehaved (its answer does not verify); 5 not found (no such height, blob, or no blob in \
    the namespace); 6 the node is unreachable.";

/// A CLI failure.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    exit: Exit,
    message: String,
}

impl CliError {
    /// A usage error (exit 2): the message names the flag or input to fix.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::Usage,
            message: message.into(),
        }
    }

    /// A failure (exit 1).
    pub(crate) fn failure(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::Failure,
            message: message.into(),
        }
    }

    /// Nothing found (exit 5).
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::NotFound,
            message: message.into(),
        }
    }

    /// An error talking to the node at `--node URL`: the URL named once, with the cause.
    pub(crate) fn node(node: &str, e: ClientError) -> Self {
        let (exit, message) = match e {
            ClientError::Transport(cause) => (
                Exit::Unreachable,
                format!("cannot reach --node {node}: {cause}"),
            ),
            ClientError::Misbehaving { what, .. } => (
                Exit::Misbehaved,
                format!("refused what --node {node} served (it misbehaved): {what}"),
            ),
            ClientError::NotFound(what) => (
                Exit::NotFound,
                format!("--node {node}: not found: {}", or_status(&what, "404")),
            ),
            ClientError::Input(what) => (
                Exit::Refused,
                format!(
                    "--node {node} refused the input: {}",
                    or_status(&what, "400")
                ),
            ),
            ClientError::Unavailable { message, .. } => (
                Exit::Refused,
                format!(
                    "--node {node} cannot serve now: {}",
                    or_status(&message, "503")
                ),
            ),
            ClientError::Status { status, message } => (
                if (400..500).contains(&status) {
                    Exit::Refused
                } else {
                    Exit::Failure
                },
                format!(
                    "--node {node} answered HTTP {status}: {}",
                    or_status(&message, &status.to_string())
                ),
            ),
        };
        Self { exit, message }
    }

    /// The process's exit code.
    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit as u8)
    }

    /// What kind of failure this is.
    #[cfg(test)]
    pub(crate) const fn exit(&self) -> Exit {
        self.exit
    }
}

/// `message`, or a note that the answer had none (a server that is not a Weft node, e.g. the
/// DA server's URL given as `--node`).
fn or_status(message: &str, status: &str) -> String {
    if message.trim().is_empty() {
        format!("HTTP {status} without a message (is this a Weft node's HTTP address?)")
    } else {
        message.to_string()
    }
}

impl From<weft_node::NodeError> for CliError {
    fn from(e: weft_node::NodeError) -> Self {
        use weft_node::NodeError as E;
        match e {
            E::Config(_)
            | E::WrongChain { .. }
            | E::MixedChain { .. }
            | E::Listen { .. }
            | E::Encoder { .. } => Self::usage(e.to_string()),
            other => Self::failure(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_node_error_has_its_exit_code() {
        let node = "http://127.0.0.1:7581";
        let cases = [
            (
                ClientError::Transport("connection refused".into()),
                Exit::Unreachable,
                6,
            ),
            (
                ClientError::Misbehaving {
                    node: node.into(),
                    what: "bad signature".into(),
                },
                Exit::Misbehaved,
                4,
            ),
            (ClientError::NotFound(String::new()), Exit::NotFound, 5),
            (ClientError::Input("empty".into()), Exit::Refused, 3),
            (
                ClientError::Unavailable {
                    message: "pool full".into(),
                    retry_after: None,
                },
                Exit::Refused,
                3,
            ),
        ];
        for (error, exit, code) in cases {
            let e = CliError::node(node, error);
            assert_eq!(e.exit(), exit);
            assert_eq!(exit as u8, code);
            assert_eq!(e.to_string().matches(node).count(), 1, "{e}");
        }
        let empty = CliError::node(node, ClientError::NotFound(String::new()));
        assert!(empty.to_string().contains("is this a Weft node"), "{empty}");
    }
}
