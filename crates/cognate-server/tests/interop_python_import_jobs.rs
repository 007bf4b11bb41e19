//! boto3 and an HTTP PUT against the user import jobs (`interop/python/import_jobs.py`):
//! GetCSVHeader, CreateUserImportJob and the CSV PUT to its pre-signed URL, StartUserImportJob
//! (good rows imported RESET_REQUIRED, an existing user skipped, a bad row failed and reported),
//! Describe/List/StopUserImportJob and their PreconditionNotMetException.
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_imports_users_from_a_csv() {
    let summary = common::python_summary("import_jobs.py").await;
    assert_eq!(summary["checks"].as_u64(), Some(7), "{summary}");
}
