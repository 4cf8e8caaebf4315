//! A fresh start: development keys and the bootstrap admin.

use super::*;

#[tokio::test]
async fn fresh_start_creates_dev_keys_and_prints_admin_credentials_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    let (addr, stderr) = server.wait_listening().await;
    assert!(stderr.contains("DEVELOPMENT KEYS CREATED"), "{stderr}");
    let printed = server
        .printed_until(|line| line.starts_with("then send it"))
        .await;
    let id = line_value(&printed, "ClientId:").expect("ClientId line");
    let secret = line_value(&printed, "ClientSecret:").expect("ClientSecret line");
    assert!(printed.contains("curl -s -X POST"), "{printed}");
    for file in ["cardhost-keys.json", "cardhost-master.key", "cardhost.db"] {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dir.path().join(file))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    let body = json_of(token_request(&format!("http://{addr}"), &id, &secret)).await;
    assert_eq!(body["Result"], 0, "{body}");
    assert!(server.terminate().await, "clean exit on SIGTERM");
    assert!(
        !server.rest_of_stdout().await.contains("ClientSecret"),
        "the secret is printed once"
    );

    let mut again = Server::start(dir.path());
    let (_, stderr) = again.wait_listening().await;
    assert!(!stderr.contains("DEVELOPMENT KEYS CREATED"));
    assert!(
        stderr.contains("DEVELOPMENT master key"),
        "warns on every start: {stderr}"
    );
    assert!(again.terminate().await);
    let rest = again.rest_of_stdout().await;
    assert!(
        !rest.contains("ClientSecret"),
        "a second start prints no secret: {rest}"
    );
}

#[tokio::test]
async fn admin_credentials_from_the_environment_are_used_and_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = cardhost(dir.path());
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .env("CARDHOST_ADMIN_CLIENT_ID", "ops-admin")
        .env(
            "CARDHOST_ADMIN_CLIENT_SECRET",
            "a-long-operator-chosen-secret",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().unwrap();
    let mut server = Server {
        stdout: BufReader::new(child.stdout.take().unwrap()).lines(),
        stderr: Some(BufReader::new(child.stderr.take().unwrap()).lines()),
        child,
    };
    let (addr, _) = server.wait_listening().await;
    let base = format!("http://{addr}");
    let body = json_of(token_request(
        &base,
        "ops-admin",
        "a-long-operator-chosen-secret",
    ))
    .await;
    assert_eq!(body["Result"], 0, "{body}");
    assert!(server.terminate().await);
    let out = server.rest_of_stdout().await;
    assert!(
        !out.contains("ClientSecret") && !out.contains("a-long-operator-chosen-secret"),
        "{out}"
    );
}

#[tokio::test]
async fn two_migrations_at_once_apply_the_schema_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::support::fresh_database_url(dir.path()).await;
    let migrate = || {
        let mut cmd = cardhost(dir.path());
        cmd.env("CARDHOST_DATABASE_URL", &url).arg("migrate");
        cmd
    };
    let (mut a, mut b) = (migrate(), migrate());
    let (first, second) = tokio::join!(run(&mut a), run(&mut b));
    assert!(first.0 && second.0, "{first:?} {second:?}");
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    let files = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../store/migrations/sqlite"
    ))
    .unwrap()
    .count();
    assert_eq!(applied, i64::try_from(files).unwrap());
}
