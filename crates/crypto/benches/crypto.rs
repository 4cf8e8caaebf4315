//! Cost of the card-security operations on the authorization path.
//! `cargo bench -p cardhost-crypto` reports time per operation.

use std::hint::black_box;

use cardhost_crypto::module::{KeyRef, PvvKey};
use cardhost_crypto::{
    pinblock, secret, KeyStore, MasterKey, Pin, PinBlockFormat, SecurityModule, SoftwareModule,
};
use cardhost_domain::card::Pan;
use criterion::{criterion_group, criterion_main, Criterion};

fn module() -> SoftwareModule {
    let dir = std::env::temp_dir().join(format!("cardhost-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keys.json");
    let _ = std::fs::remove_file(&path);
    SoftwareModule::new(KeyStore::create(&path, MasterKey::generate()).unwrap())
}

fn bench(c: &mut Criterion) {
    let m = module();
    let pan = Pan::parse("4111111111111111").unwrap();
    let stored = m.encrypt_pan(&pan).unwrap();
    let pvv_key = PvvKey {
        pvk: KeyRef::newest("pvk"),
        pvki: 1,
    };
    let (pvv, stored_pin) = m.generate_pin(pvv_key, &pan, 4).unwrap();
    let block = m
        .pin_block_from_storage(&stored_pin, "zpk", PinBlockFormat::Iso0, &pan)
        .unwrap();
    let block4 = m
        .pin_block_from_storage(&stored_pin, "zpk-aes", PinBlockFormat::Iso4, &pan)
        .unwrap();
    let hash = secret::hash_secret("client-secret-0123456789").unwrap();

    c.bench_function("pan_encrypt", |b| {
        b.iter(|| m.encrypt_pan(black_box(&pan)).unwrap())
    });
    c.bench_function("pan_decrypt", |b| {
        b.iter(|| m.decrypt_pan(black_box(&stored)).unwrap())
    });
    c.bench_function("pan_fingerprint", |b| {
        b.iter(|| m.fingerprint_pan(black_box(&pan)).unwrap())
    });
    c.bench_function("cvv2", |b| {
        b.iter(|| {
            m.card_verification_value(KeyRef::newest("cvk"), black_box(&pan), "2812", "000")
                .unwrap()
        })
    });
    c.bench_function("pvv_verify_iso0", |b| {
        b.iter(|| {
            assert!(m
                .verify_pin_block(
                    "zpk",
                    PinBlockFormat::Iso0,
                    black_box(&block),
                    &pan,
                    pvv_key,
                    &pvv
                )
                .unwrap())
        })
    });
    c.bench_function("pin_translate_iso4_to_iso0", |b| {
        b.iter(|| {
            m.translate_pin_block(
                black_box(&block4),
                ("zpk-aes", PinBlockFormat::Iso4),
                ("zpk", PinBlockFormat::Iso0),
                &pan,
            )
            .unwrap()
        })
    });
    c.bench_function("pin_block_encode_iso0_raw", |b| {
        let key = [0x11u8; 16];
        let pin = Pin::new("1234").unwrap();
        b.iter(|| {
            pinblock::encode(
                PinBlockFormat::Iso0,
                &key,
                black_box(&pin),
                "4111111111111111",
            )
            .unwrap()
        })
    });
    let mut slow = c.benchmark_group("secrets");
    slow.sample_size(20);
    slow.bench_function("argon2id_verify", |b| {
        b.iter(|| {
            assert!(secret::verify_secret(
                black_box("client-secret-0123456789"),
                &hash
            ))
        })
    });
    slow.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
