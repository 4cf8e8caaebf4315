//! Random operation sequences against a model of the ledger's rules.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::cards::{issue, setup};
use crate::money::{balance, ledger_ok};
use crate::support::*;

/// xorshift64*: a tiny seeded generator, so every failure replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Default, Clone)]
struct Account {
    balance: i64,
    blocked: i64,
    loaded: i64,
    /// Open holds: process id → amount.
    holds: HashMap<String, i64>,
    /// Approved purchases and completions: process id → (amount, refunded, reversed).
    spends: HashMap<String, (i64, i64, bool)>,
}

const PREPAID_MAX: i64 = 2_000_000;
const PREPAID_MONTHLY: i64 = 5_000_000;
const CREDIT_LIMIT: i64 = 200_000;

fn text(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

fn available(kind: &str, a: &Account) -> i64 {
    if kind == "Credit" {
        (CREDIT_LIMIT - (a.blocked - a.balance)).max(0)
    } else {
        a.balance - a.blocked
    }
}

async fn run(seed: u64) {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let kinds = ["Debit", "Prepaid", "Credit"];
    let mut cards = Vec::new();
    for kind in kinds {
        let extra = if kind == "Credit" {
            json!({"IsVirtual": true, "CardLimit": 2000})
        } else {
            json!({"IsVirtual": true})
        };
        cards.push(issue(&app, &token, kind, extra).await);
    }
    let mut model = vec![Account::default(); 3];
    let mut rng = Rng(seed);
    let mut sent: Vec<(Value, Value)> = Vec::new();
    for step in 0..150 {
        let c = usize::try_from(rng.below(3)).unwrap();
        let t = cards[c]["CardToken"].as_str().unwrap().to_owned();
        let amount = i64::try_from(rng.below(60_000)).unwrap() + 1;
        let reference = format!("s{seed}-{step}");
        let op = rng.below(9);
        let a = model[c].clone();
        let (request, expected): (Value, &str) = match op {
            0 | 1 => {
                let ok = kinds[c] != "Prepaid"
                    || (a.balance + amount <= PREPAID_MAX && a.loaded + amount <= PREPAID_MONTHLY);
                (
                    json!({"path": "LoadCardBalance", "CardToken": t, "Reference": reference, "Amount": text(amount), "Currency": 949}),
                    if ok { "00" } else { "61" },
                )
            }
            2 | 3 => {
                let ok = amount <= available(kinds[c], &a);
                (
                    json!({"CardToken": t, "Reference": reference, "TransactionType": "Purchase", "Amount": text(amount), "Currency": 949}),
                    if ok { "00" } else { "51" },
                )
            }
            4 => {
                let ok = amount <= available(kinds[c], &a);
                (
                    json!({"CardToken": t, "Reference": reference, "TransactionType": "PreAuthorization", "Amount": text(amount), "Currency": 949}),
                    if ok { "00" } else { "51" },
                )
            }
            5 => match a.holds.iter().next() {
                Some((pid, held)) => {
                    let take = i64::try_from(rng.below(u64::try_from(*held).unwrap() + 1))
                        .unwrap()
                        .max(1);
                    (
                        json!({"CardToken": t, "Reference": reference, "TransactionType": "Completion", "OriginalProcessId": pid, "Amount": text(take), "Currency": 949}),
                        "00",
                    )
                }
                None => continue,
            },
            6 => match a
                .spends
                .iter()
                .find(|(_, s)| s.1 == 0 && !s.2)
                .or_else(|| a.holds.iter().next().map(|h| (h.0, &(0, 0, false))))
            {
                Some((pid, _)) => (
                    json!({"CardToken": t, "Reference": reference, "TransactionType": "Reversal", "OriginalProcessId": pid}),
                    "00",
                ),
                None => continue,
            },
            7 => match a.spends.iter().find(|(_, s)| !s.2 && s.1 < s.0) {
                Some((pid, s)) => {
                    let left = s.0 - s.1;
                    let want = amount % (left + 50) + 1;
                    (
                        json!({"CardToken": t, "Reference": reference, "TransactionType": "Refund", "OriginalProcessId": pid, "Amount": text(want), "Currency": 949}),
                        if want <= left { "00" } else { "13" },
                    )
                }
                None => continue,
            },
            _ => match sent
                .get(usize::try_from(rng.below(u64::try_from(sent.len().max(1)).unwrap())).unwrap())
            {
                // A repeat of an earlier request answers exactly as it did.
                Some((request, answer)) => {
                    let (path, body) = split(request.clone());
                    let (_, again) = app.post(&path, &token, body).await;
                    assert_eq!(
                        again["ResultObject"], answer["ResultObject"],
                        "seed {seed} step {step}: repeat"
                    );
                    continue;
                }
                None => continue,
            },
        };
        let (path, body) = split(request.clone());
        let (_, answer) = app.post(&path, &token, body.clone()).await;
        let code = answer["ResultObject"]["ResponseCode"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        assert_eq!(
            code, expected,
            "seed {seed} step {step}: {body} -> {answer}"
        );
        if code == "00" {
            apply(&mut model[c], &body, &answer);
        }
        sent.push((request, answer));
    }
    for (c, card) in cards.iter().enumerate() {
        let b = balance(&app, &token, card).await;
        assert_eq!(
            b["LedgerBalance"].to_string(),
            signed(model[c].balance),
            "seed {seed}: {} balance",
            kinds[c]
        );
        assert_eq!(
            b["BlockedAmount"].to_string(),
            text(model[c].blocked),
            "seed {seed}: {} blocked",
            kinds[c]
        );
        assert_eq!(
            b["AvailableAmount"].to_string(),
            text(available(kinds[c], &model[c])),
            "seed {seed}: {} available",
            kinds[c]
        );
    }
    ledger_ok(&app).await;
}

fn signed(minor: i64) -> String {
    if minor < 0 {
        format!("-{}", text(-minor))
    } else {
        text(minor)
    }
}

/// The operation path and the JSON body of a recorded request (amounts as numbers).
fn split(mut request: Value) -> (String, Value) {
    let path = request
        .as_object_mut()
        .unwrap()
        .remove("path")
        .and_then(|p| p.as_str().map(str::to_owned));
    let path = format!(
        "/api/Integration/{}",
        path.unwrap_or_else(|| "SendTransaction".into())
    );
    let text = request.to_string();
    // The model keeps amounts as exact decimal strings; the wire wants JSON numbers.
    let body: Value = serde_json::from_str(&amount_as_number(&text)).unwrap();
    (path, body)
}

fn amount_as_number(text: &str) -> String {
    let key = "\"Amount\":\"";
    match text.find(key) {
        Some(i) => {
            let start = i + key.len();
            let end = start + text[start..].find('"').unwrap();
            format!(
                "{}\"Amount\":{}{}",
                &text[..i],
                &text[start..end],
                &text[end + 1..]
            )
        }
        None => text.to_owned(),
    }
}

fn minor(v: &Value) -> i64 {
    let s = v.to_string();
    let (whole, frac) = s.split_once('.').unwrap_or((&s, "00"));
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

fn apply(a: &mut Account, body: &Value, answer: &Value) {
    let pid = answer["ResultObject"]["ProcessId"]
        .as_str()
        .unwrap()
        .to_owned();
    let amount = minor(&answer["ResultObject"]["Amount"]);
    match body["TransactionType"].as_str() {
        None => {
            a.balance += amount;
            a.loaded += amount;
        }
        Some("Purchase") => {
            a.balance -= amount;
            a.spends.insert(pid, (amount, 0, false));
        }
        Some("PreAuthorization") => {
            a.blocked += amount;
            a.holds.insert(pid, amount);
        }
        Some("Completion") => {
            let original = body["OriginalProcessId"].as_str().unwrap();
            let held = a.holds.remove(original).unwrap();
            a.blocked -= held;
            a.balance -= amount;
            a.spends.insert(pid, (amount, 0, false));
        }
        Some("Reversal") => {
            let original = body["OriginalProcessId"].as_str().unwrap();
            if let Some(held) = a.holds.remove(original) {
                a.blocked -= held;
            } else if let Some(s) = a.spends.get_mut(original) {
                a.balance += s.0;
                s.2 = true;
            }
        }
        Some("Refund") => {
            let original = body["OriginalProcessId"].as_str().unwrap();
            let s = a.spends.get_mut(original).unwrap();
            s.1 += amount;
            a.balance += amount;
        }
        Some(other) => panic!("unexpected {other}"),
    }
}

#[tokio::test]
async fn random_sequences_match_the_model_and_keep_the_ledger_clean() {
    for seed in [
        0x9E37_79B9_7F4A_7C15,
        0xD1B5_4A32_D192_ED03,
        0x8CB9_2BA7_2F3D_8DD7,
    ] {
        run(seed).await;
    }
}
