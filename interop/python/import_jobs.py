#!/usr/bin/env python3
"""Drives a running cognate server's user import jobs with boto3 and an HTTP PUT, as an admin
script would.

usage: import_jobs.py ENDPOINT_URL

GetCSVHeader; CreateUserImportJob, then the CSV PUT to its PreSignedUrl (as to S3; a wrong
signature is S3's 403 AccessDenied); StartUserImportJob: good rows imported with status
RESET_REQUIRED, an existing user skipped, a bad row failed without losing the others, the counts
in DescribeUserImportJob and ListUserImportJobs; an imported user must reset their password
(PasswordResetRequiredException, then ForgotPassword/ConfirmForgotPassword and a login);
StopUserImportJob and the PreconditionNotMetException of starting or stopping out of turn.
Prints one line per check on stderr and a JSON summary on stdout; exits 1 at the first failure.
"""

import json
import urllib.error
import urllib.request

from harness import ENDPOINT, PASSWORD, checks, expect_error, idp, ok

ROLE = "arn:aws:iam::123456789012:role/CognitoImport"

pool_id = idp.create_user_pool(
    PoolName="imports", Schema=[{"Name": "plan", "AttributeDataType": "String", "Mutable": True}]
)["UserPool"]["Id"]
client_id = idp.create_user_pool_client(
    UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
)["UserPoolClient"]["ClientId"]
idp.admin_create_user(UserPoolId=pool_id, Username="existing", MessageAction="SUPPRESS")

header = idp.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
assert header[-2:] == ["cognito:mfa_enabled", "cognito:username"], header
assert "custom:plan" in header and "email" in header and "sub" not in header, header
expect_error("ResourceNotFoundException", idp.get_csv_header, UserPoolId="us-east-1_NoSuchPool")
ok("GetCSVHeader: the standard and custom attributes, then cognito:mfa_enabled and cognito:username")

job = idp.create_user_import_job(JobName="first", UserPoolId=pool_id, CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
job_id, url = job["JobId"], job["PreSignedUrl"]
assert job["Status"] == "Created" and job_id.startswith("import-"), job
expect_error("PreconditionNotMetException", idp.start_user_import_job, UserPoolId=pool_id, JobId=job_id)
ok("CreateUserImportJob: Created, with a pre-signed URL; no start before the upload")


def row(values):
    out = []
    for h in header:
        v = values.get(h, "")
        out.append('"' + v.replace('"', '""') + '"' if ("," in v or '"' in v) else v)
    return ",".join(out)


lines = [
    ",".join(header),
    row({"cognito:username": "ann", "email": "ann@example.com", "email_verified": "true",
         "name": "Ann, the first", "custom:plan": "gold", "cognito:mfa_enabled": "false"}),
    row({"cognito:username": "bad", "email": "bad@example.com", "updated_at": "not-a-number",
         "cognito:mfa_enabled": "false"}),
    row({"cognito:username": "existing", "email": "existing@example.com", "cognito:mfa_enabled": "false"}),
    row({"cognito:username": "ben", "phone_number": "+15555550123", "phone_number_verified": "true",
         "cognito:mfa_enabled": "false"}),
]
csv = ("\r\n".join(lines) + "\r\n").encode()


def put(target, body):
    req = urllib.request.Request(target, data=body, method="PUT", headers={"Content-Type": "text/csv"})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, resp.headers.get("ETag"), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, None, e.read()


status, _, body = put(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), csv)
assert status == 403 and b"<Code>AccessDenied</Code>" in body, (status, body)
status, etag, _ = put(url, csv)
assert status == 200 and etag, (status, etag)
ok("the CSV PUT to the pre-signed URL (a wrong signature is S3's AccessDenied)")

done = idp.start_user_import_job(UserPoolId=pool_id, JobId=job_id)["UserImportJob"]
assert done["Status"] == "Succeeded", done
assert (done["ImportedUsers"], done["SkippedUsers"], done["FailedUsers"]) == (2, 1, 1), done
assert "line 3" in done["CompletionMessage"], done
assert done["StartDate"] and done["CompletionDate"], done
described = idp.describe_user_import_job(UserPoolId=pool_id, JobId=job_id)["UserImportJob"]
assert described["ImportedUsers"] == 2 and described["Status"] == "Succeeded", described
ok("StartUserImportJob: 2 imported, 1 existing skipped, 1 bad row failed and reported")

ann = idp.admin_get_user(UserPoolId=pool_id, Username="ann")
attrs = {a["Name"]: a["Value"] for a in ann["UserAttributes"]}
assert ann["UserStatus"] == "RESET_REQUIRED", ann
assert attrs["name"] == "Ann, the first" and attrs["custom:plan"] == "gold", attrs
assert idp.admin_get_user(UserPoolId=pool_id, Username="ben")["UserStatus"] == "RESET_REQUIRED"
expect_error("UserNotFoundException", idp.admin_get_user, UserPoolId=pool_id, Username="bad")
expect_error(
    "PasswordResetRequiredException",
    idp.initiate_auth,
    ClientId=client_id,
    AuthFlow="USER_PASSWORD_AUTH",
    AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD},
)
idp.forgot_password(ClientId=client_id, Username="ann")
outbox = json.load(urllib.request.urlopen(f"{ENDPOINT}/_cognate/outbox?pool={pool_id}&username=ann"))
code = outbox["messages"][-1]["code"]
idp.confirm_forgot_password(ClientId=client_id, Username="ann", ConfirmationCode=code, Password=PASSWORD)
idp.initiate_auth(
    ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD}
)
ok("imported users are RESET_REQUIRED: reset their password, then log in")

second = idp.create_user_import_job(JobName="second", UserPoolId=pool_id, CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
stopped = idp.stop_user_import_job(UserPoolId=pool_id, JobId=second["JobId"])["UserImportJob"]
assert stopped["Status"] == "Stopped", stopped
expect_error("PreconditionNotMetException", idp.start_user_import_job, UserPoolId=pool_id, JobId=second["JobId"])
expect_error("PreconditionNotMetException", idp.stop_user_import_job, UserPoolId=pool_id, JobId=job_id)
status, _, _ = put(second["PreSignedUrl"], csv)
assert status == 403, status
listed = idp.list_user_import_jobs(UserPoolId=pool_id, MaxResults=1)
assert [j["JobId"] for j in listed["UserImportJobs"]] == [job_id] and listed["PaginationToken"], listed
rest = idp.list_user_import_jobs(UserPoolId=pool_id, MaxResults=1, PaginationToken=listed["PaginationToken"])
assert [j["JobId"] for j in rest["UserImportJobs"]] == [second["JobId"]], rest
expect_error("ResourceNotFoundException", idp.describe_user_import_job, UserPoolId=pool_id, JobId="import-nosuchjob")
ok("StopUserImportJob, out-of-turn starts and stops refused, ListUserImportJobs pages")

third = idp.create_user_import_job(JobName="broken", UserPoolId=pool_id, CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
status, _, _ = put(third["PreSignedUrl"], b"username,email\r\nx,x@example.com\r\n")
assert status == 200, status
failed = idp.start_user_import_job(UserPoolId=pool_id, JobId=third["JobId"])["UserImportJob"]
assert failed["Status"] == "Failed" and "unknown column" in failed["CompletionMessage"], failed
ok("a file with the wrong header fails as a whole")

print(json.dumps({"checks": checks()}))
