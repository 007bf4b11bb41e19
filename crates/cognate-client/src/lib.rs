//! cognate-client: not built yet — the layout is set, the code lands with its issue.
//! See the workspace README.md and DESIGN.md for what this crate will hold.
