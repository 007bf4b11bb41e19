//! User import jobs: GetCSVHeader, CreateUserImportJob (with a pre-signed URL served by this
//! server, `PUT /_cognate/import/{pool}/{job}?X-Amz-Signature=…`, that takes the CSV as S3
//! would), StartUserImportJob (the file imported at once: each good row a user with status
//! `RESET_REQUIRED` and no password, each bad row counted as failed without losing the others),
//! DescribeUserImportJob, ListUserImportJobs and StopUserImportJob.

use std::collections::BTreeMap;

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types as t;
use serde::{Deserialize, Serialize};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::Ctx;
use crate::error::ApiError;
use crate::model::{STANDARD_ATTRIBUTES, User, UserPool, UserStatus};
use crate::store::RecordKind;

const KIND: RecordKind = RecordKind::ImportJob;

/// The largest CSV accepted.
pub(crate) const MAX_CSV_BYTES: usize = 100 * 1024 * 1024;

/// The columns of the CSV file, in Cognito's order: the standard attributes (without `sub`),
/// the pool's custom attributes, then `cognito:mfa_enabled` and `cognito:username`.
pub(crate) fn header(pool: &UserPool) -> Vec<String> {
    let mut out: Vec<String> = STANDARD_ATTRIBUTES
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .filter(|n| n != "sub")
        .collect();
    out.extend(pool.custom_attributes.iter().map(|c| c.name.clone()));
    out.push("cognito:mfa_enabled".into());
    out.push("cognito:username".into());
    out
}

/// A job as stored: the model's job, and the token of its upload URL.
#[derive(Serialize, Deserialize)]
pub(crate) struct Stored {
    pub(crate) job: t::UserImportJobType,
    pub(crate) upload_token: String,
    /// Whether the CSV was uploaded.
    #[serde(default)]
    pub(crate) uploaded: bool,
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        E::ResourceNotFoundException,
        format!("Import job {id} does not exist."),
    )
}

fn csv_key(id: &str) -> String {
    format!("{id}.csv")
}

/// Job `id` of `pool_id`.
pub(crate) fn load(ctx: &Ctx, pool_id: &str, id: &str) -> Result<Stored, ApiError> {
    let v = ctx
        .store
        .doc_get(KIND, pool_id, id)?
        .ok_or_else(|| not_found(id))?;
    serde_json::from_value(v).map_err(|_| not_found(id))
}

fn save(ctx: &Ctx, pool_id: &str, stored: &Stored) -> Result<(), ApiError> {
    let id = stored.job.job_id.clone().unwrap_or_default();
    let v = serde_json::to_value(stored).map_err(|e| ApiError::internal(e.to_string()))?;
    ctx.store.doc_put(KIND, pool_id, &id, &v)?;
    Ok(())
}

/// The jobs of a pool, oldest first.
pub(crate) fn list(ctx: &Ctx, pool_id: &str) -> Result<Vec<t::UserImportJobType>, ApiError> {
    Ok(ctx
        .store
        .doc_list(KIND, pool_id)?
        .into_iter()
        .filter(|(k, _)| !k.ends_with(".csv"))
        .filter_map(|(_, v)| serde_json::from_value::<Stored>(v).ok())
        .map(|s| s.job)
        .collect())
}

/// A new job, with its upload URL.
pub(crate) fn create(
    ctx: &Ctx,
    pool: &UserPool,
    name: String,
    role: String,
    algorithm: Option<t::PasswordHashingAlgorithmType>,
) -> Result<t::UserImportJobType, ApiError> {
    let id = format!(
        "import-{}",
        super::identity::random_from(b"abcdefghijklmnopqrstuvwxyz234567", 10)
    );
    let token: String = crate::ids::random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let job = t::UserImportJobType {
        job_name: Some(name),
        job_id: Some(id.clone()),
        user_pool_id: Some(pool.id.clone()),
        pre_signed_url: Some(format!(
            "{}/_cognate/import/{}/{id}?X-Amz-Signature={token}",
            ctx.local_base, pool.id
        )),
        creation_date: Some(ctx.now() as f64),
        status: Some(t::UserImportJobStatusType::Created),
        cloud_watch_logs_role_arn: Some(role),
        imported_users: Some(0),
        skipped_users: Some(0),
        failed_users: Some(0),
        password_hashing_algorithm: algorithm,
        ..Default::default()
    };
    save(
        ctx,
        &pool.id,
        &Stored {
            job: job.clone(),
            upload_token: token,
            uploaded: false,
        },
    )?;
    Ok(job)
}

/// Why an upload was refused, as S3 would say it.
pub(crate) enum UploadRefused {
    /// No such job (404).
    NoSuchJob,
    /// The signature is not the job's, or the job is not waiting for its file (403).
    Denied,
    /// Too large (400).
    TooLarge,
    /// A fault of the server.
    Failed(ApiError),
}

/// Takes the CSV of job `id` (the PUT to the pre-signed URL).
pub(crate) fn upload(
    ctx: &Ctx,
    pool_id: &str,
    id: &str,
    signature: &str,
    body: &[u8],
) -> Result<(), UploadRefused> {
    let mut stored = load(ctx, pool_id, id).map_err(|_| UploadRefused::NoSuchJob)?;
    let ok = bool::from(stored.upload_token.as_bytes().ct_eq(signature.as_bytes()));
    if !ok || stored.job.status != Some(t::UserImportJobStatusType::Created) {
        return Err(UploadRefused::Denied);
    }
    if body.len() > MAX_CSV_BYTES {
        return Err(UploadRefused::TooLarge);
    }
    let text = String::from_utf8_lossy(body).into_owned();
    ctx.store
        .doc_put(KIND, pool_id, &csv_key(id), &json!({ "csv": text }))
        .map_err(|e| UploadRefused::Failed(e.into()))?;
    stored.uploaded = true;
    save(ctx, pool_id, &stored).map_err(UploadRefused::Failed)
}

fn precondition(message: impl Into<String>) -> ApiError {
    ApiError::new(E::PreconditionNotMetException, message)
}

/// Starts (and runs) job `id`: only a job created, with its file uploaded.
pub(crate) fn start(
    ctx: &Ctx,
    pool: &UserPool,
    id: &str,
) -> Result<t::UserImportJobType, ApiError> {
    let mut stored = load(ctx, &pool.id, id)?;
    if stored.job.status != Some(t::UserImportJobStatusType::Created) {
        return Err(precondition(format!(
            "Import job {id} cannot be started: it is {}.",
            stored
                .job
                .status
                .map_or("unknown", t::UserImportJobStatusType::as_str)
        )));
    }
    if !stored.uploaded {
        return Err(precondition(format!(
            "Import job {id} cannot be started: no file was uploaded to its pre-signed URL."
        )));
    }
    let csv = ctx
        .store
        .doc_get(KIND, &pool.id, &csv_key(id))?
        .and_then(|v| v["csv"].as_str().map(str::to_owned))
        .unwrap_or_default();
    stored.job.start_date = Some(ctx.now() as f64);
    let outcome = run(ctx, pool, &csv);
    let (status, message) = match &outcome {
        Err(why) => (t::UserImportJobStatusType::Failed, why.clone()),
        Ok(c) if c.failed > 0 => (
            t::UserImportJobStatusType::Succeeded,
            format!(
                "Import Job Completed with errors: {} imported, {} failed ({}).",
                c.imported,
                c.failed,
                c.errors.join("; ")
            ),
        ),
        Ok(_) => (
            t::UserImportJobStatusType::Succeeded,
            "Import Job Completed Successfully.".to_owned(),
        ),
    };
    let counts = outcome.unwrap_or_default();
    stored.job.status = Some(status);
    stored.job.imported_users = Some(counts.imported);
    stored.job.skipped_users = Some(counts.skipped);
    stored.job.failed_users = Some(counts.failed);
    stored.job.completion_message = Some(message.chars().take(128).collect());
    stored.job.completion_date = Some(ctx.now() as f64);
    save(ctx, &pool.id, &stored)?;
    ctx.store.doc_delete(KIND, &pool.id, &csv_key(id))?;
    Ok(stored.job)
}

/// Stops job `id`: one that has not run yet.
pub(crate) fn stop(ctx: &Ctx, pool: &UserPool, id: &str) -> Result<t::UserImportJobType, ApiError> {
    let mut stored = load(ctx, &pool.id, id)?;
    use t::UserImportJobStatusType as S;
    match stored.job.status {
        Some(S::Created | S::Pending | S::InProgress) => {}
        other => {
            return Err(precondition(format!(
                "Import job {id} cannot be stopped: it is {}.",
                other.map_or("unknown", S::as_str)
            )));
        }
    }
    stored.job.status = Some(S::Stopped);
    stored.job.completion_date = Some(ctx.now() as f64);
    stored.job.completion_message = Some("Import Job Stopped.".into());
    save(ctx, &pool.id, &stored)?;
    ctx.store.doc_delete(KIND, &pool.id, &csv_key(id))?;
    Ok(stored.job)
}

#[derive(Default)]
struct Counts {
    imported: i64,
    skipped: i64,
    failed: i64,
    errors: Vec<String>,
}

/// Imports the rows of `csv`; a file without the required columns fails as a whole.
fn run(ctx: &Ctx, pool: &UserPool, csv: &str) -> Result<Counts, String> {
    let rows = parse_csv(csv).ok_or("The file is not valid CSV.")?;
    let mut rows = rows.into_iter();
    let head = rows.next().ok_or("The file is empty.")?;
    let known = header(pool);
    if let Some(unknown) = head.iter().find(|h| !known.contains(h)) {
        return Err(format!("The header has an unknown column: {unknown}."));
    }
    for needed in ["cognito:username", "cognito:mfa_enabled"] {
        if !head.iter().any(|h| h == needed) {
            return Err(format!("The header lacks the column {needed}."));
        }
    }
    let mut counts = Counts::default();
    for (n, row) in rows.enumerate() {
        if row.iter().all(String::is_empty) {
            continue;
        }
        match import_row(ctx, pool, &head, &row) {
            Ok(true) => counts.imported += 1,
            Ok(false) => counts.skipped += 1,
            Err(why) => {
                counts.failed += 1;
                if counts.errors.len() < 3 {
                    counts.errors.push(format!("line {}: {why}", n + 2));
                }
            }
        }
    }
    Ok(counts)
}

/// One row: `Ok(true)` imported, `Ok(false)` skipped (the user exists already).
fn import_row(ctx: &Ctx, pool: &UserPool, head: &[String], row: &[String]) -> Result<bool, String> {
    if row.len() != head.len() {
        return Err(format!(
            "{} fields, the header has {}",
            row.len(),
            head.len()
        ));
    }
    let mut attrs: BTreeMap<String, String> = BTreeMap::new();
    let mut username = String::new();
    for (h, v) in head.iter().zip(row) {
        match h.as_str() {
            "cognito:username" => username = v.clone(),
            "cognito:mfa_enabled" if !v.is_empty() && v != "false" && v != "true" => {
                return Err("cognito:mfa_enabled must be true or false".into());
            }
            "cognito:mfa_enabled" => {}
            _ if !v.is_empty() => {
                attrs.insert(h.clone(), v.clone());
            }
            _ => {}
        }
    }
    if username.is_empty() {
        return Err("cognito:username is empty".into());
    }
    let pairs: Vec<(String, String)> = attrs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    super::users::check_attributes(pool, &pairs).map_err(|e| e.message)?;
    if !attrs.contains_key("email") && !attrs.contains_key("phone_number") {
        return Err("a user needs an email or phone_number to reset their password".into());
    }
    if super::users::find(ctx, pool, &username)
        .map_err(|e| e.message)?
        .is_some()
    {
        return Ok(false);
    }
    let sub = crate::ids::uuid();
    let internal = if pool.username_attributes.is_empty() {
        super::users::normalize_name(pool, &username)
    } else {
        sub.clone()
    };
    let now = ctx.now();
    let user = User {
        pool_id: pool.id.clone(),
        username: internal,
        sub,
        attributes: attrs,
        enabled: true,
        status: UserStatus::ResetRequired,
        verifier: None,
        created: now,
        modified: now,
        password_set: now,
    };
    match ctx.store.user_insert(&user) {
        Ok(true) => Ok(true),
        Ok(false) => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}

/// RFC 4180 CSV: fields separated by commas, optionally quoted (`""` a quote inside quotes),
/// records by CRLF or LF. `None` when a quote is left open.
fn parse_csv(text: &str) -> Option<Vec<Vec<String>>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return None;
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Some(rows)
}

#[cfg(test)]
mod tests {
    use super::parse_csv;

    #[test]
    fn csv_fields_quotes_and_line_ends() {
        let rows = parse_csv("a,b,c\r\n\"x, y\",\"he said \"\"hi\"\"\",\n1,2,3").unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], vec!["x, y", "he said \"hi\"", ""]);
        assert_eq!(rows[2], vec!["1", "2", "3"]);
        assert!(parse_csv("\"open").is_none());
    }
}
