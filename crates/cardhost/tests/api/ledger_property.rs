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

/// The debit, prepaid and credit cards the sequence runs on.
const KINDS: [&str; 3] = ["Debit", "Prepaid", "Credit"];

async fn run(seed: u64) {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let mut cards = Vec::new();
    for kind in KINDS {
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
        let step = Step {
            kind: KINDS[c],
            token: cards[c]["CardToken"].as_str().unwrap().to_owned(),
            reference: format!("s{seed}-{step}"),
            amount: i64::try_from(rng.below(60_000)).unwrap() + 1,
        };
        let op = rng.below(9);
        if op == 8 {
            repeat_one(&app, &token, &mut rng, &sent, &step.reference).await;
            continue;
        }
        let Some((request, expected)) = step.request(op, &mut rng, &model[c]) else {
            continue;
        };
        let (path, body) = split(request.clone());
        let (_, answer) = app.post(&path, &token, body.clone()).await;
        let code = answer["ResultObject"]["ResponseCode"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        assert_eq!(code, expected, "{}: {body} -> {answer}", step.reference);
        if code == "00" {
            apply(&mut model[c], &body, &answer);
        }
        sent.push((request, answer));
    }
    for (c, card) in cards.iter().enumerate() {
        check_balance(&app, &token, card, KINDS[c], &model[c], seed).await;
    }
    ledger_ok(&app).await;
}

/// One step of the sequence on one card.
struct Step {
    kind: &'static str,
    token: String,
    reference: String,
    amount: i64,
}

impl Step {
    /// Operation `op`'s request on a card whose model is `a`, and the response
    /// code the model expects; `None` when the card has nothing it acts on.
    fn request(&self, op: u64, rng: &mut Rng, a: &Account) -> Option<(Value, &'static str)> {
        let (t, reference, amount) = (&self.token, &self.reference, self.amount);
        let spendable = amount <= available(self.kind, a);
        let spend = |kind: &str| json!({"CardToken": t, "Reference": reference, "TransactionType": kind, "Amount": text(amount), "Currency": 949});
        match op {
            0 | 1 => {
                let ok = self.kind != "Prepaid"
                    || (a.balance + amount <= PREPAID_MAX && a.loaded + amount <= PREPAID_MONTHLY);
                let load = json!({"path": "LoadCardBalance", "CardToken": t, "Reference": reference, "Amount": text(amount), "Currency": 949});
                Some((load, if ok { "00" } else { "61" }))
            }
            2 | 3 => Some((spend("Purchase"), if spendable { "00" } else { "51" })),
            4 => Some((spend("PreAuthorization"), if spendable { "00" } else { "51" })),
            5 => a.holds.iter().next().map(|(pid, held)| {
                let take = i64::try_from(rng.below(u64::try_from(*held).unwrap() + 1))
                    .unwrap()
                    .max(1);
                let completion = json!({"CardToken": t, "Reference": reference, "TransactionType": "Completion", "OriginalProcessId": pid, "Amount": text(take), "Currency": 949});
                (completion, "00")
            }),
            6 => a
                .spends
                .iter()
                .find(|(_, s)| s.1 == 0 && !s.2)
                .map(|(pid, _)| pid)
                .or_else(|| a.holds.keys().next())
                .map(|pid| {
                    let reversal = json!({"CardToken": t, "Reference": reference, "TransactionType": "Reversal", "OriginalProcessId": pid});
                    (reversal, "00")
                }),
            _ => a.spends.iter().find(|(_, s)| !s.2 && s.1 < s.0).map(|(pid, s)| {
                let left = s.0 - s.1;
                let want = amount % (left + 50) + 1;
                let refund = json!({"CardToken": t, "Reference": reference, "TransactionType": "Refund", "OriginalProcessId": pid, "Amount": text(want), "Currency": 949});
                (refund, if want <= left { "00" } else { "13" })
            }),
        }
    }
}

/// A repeat of an earlier request, picked at random, answers exactly as it did.
async fn repeat_one(app: &TestApp, token: &str, rng: &mut Rng, sent: &[(Value, Value)], at: &str) {
    let pick = usize::try_from(rng.below(u64::try_from(sent.len().max(1)).unwrap())).unwrap();
    let Some((request, answer)) = sent.get(pick) else {
        return;
    };
    let (path, body) = split(request.clone());
    let (_, again) = app.post(&path, token, body).await;
    assert_eq!(
        again["ResultObject"], answer["ResultObject"],
        "{at}: repeat"
    );
}

/// The card's balances are the model's.
async fn check_balance(
    app: &TestApp,
    token: &str,
    card: &Value,
    kind: &str,
    a: &Account,
    seed: u64,
) {
    let b = balance(app, token, card).await;
    assert_eq!(
        [
            &b["LedgerBalance"],
            &b["BlockedAmount"],
            &b["AvailableAmount"]
        ]
        .map(Value::to_string),
        [signed(a.balance), text(a.blocked), text(available(kind, a))],
        "seed {seed}: {kind} ledger, blocked and available"
    );
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
