//! `cardhost client`.

use super::*;

#[tokio::test]
async fn client_commands_create_list_and_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = run(cardhost(dir.path()).args([
        "client",
        "create",
        "--name",
        "core banking",
        "--scopes",
        "issuer,pan",
    ]))
    .await;
    assert!(ok, "{err}");
    let id = line_value(&out, "ClientId:").unwrap();
    assert!(line_value(&out, "ClientSecret:").is_some_and(|s| s.len() >= 32));
    let (ok, out, _) = run(cardhost(dir.path()).args(["client", "list"])).await;
    assert!(ok);
    let row = out.lines().find(|l| l.contains(&id)).expect("listed");
    assert!(
        row.contains("core banking") && row.contains("issuer,pan") && row.contains("Active"),
        "{row}"
    );
    assert!(!out.contains("argon2"), "no secret hashes in the listing");
    let (ok, _, _) = run(cardhost(dir.path()).args(["client", "revoke", &id])).await;
    assert!(ok);
    let (_, out, _) = run(cardhost(dir.path()).args(["client", "list"])).await;
    assert!(out
        .lines()
        .any(|l| l.contains(&id) && l.contains("Revoked")));
    let (ok, _, err) = run(cardhost(dir.path()).args([
        "client",
        "create",
        "--name",
        "x",
        "--scopes",
        "issuer,root",
    ]))
    .await;
    assert!(!ok && err.contains("unknown scope 'root'"), "{err}");
    let (ok, _, err) =
        run(cardhost(dir.path()).args(["client", "create", "--name", "shop", "--scopes", "vpos"]))
            .await;
    assert!(!ok && err.contains("merchant"), "{err}");
    let (ok, _, err) = run(cardhost(dir.path()).args(["client", "revoke", "no-such-client"])).await;
    assert!(!ok && err.contains("no client"), "{err}");
}
