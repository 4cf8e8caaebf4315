//! The key store: named, versioned data keys, each encrypted under the master key
//! in a JSON file of mode 0600.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::Nonce;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keys::{check_material, generate_material, kcv, KeyKind, MasterKey, DEFAULT_KEYS};
use crate::secret::random_bytes;
use crate::CryptoError;

const FILE_FORMAT: &str = "cardhost-keystore-1";
const GCM_NONCE_LEN: usize = 12;

/// One version of one key, decrypted in memory.
pub struct KeyVersion {
    pub version: u32,
    pub kind: KeyKind,
    material: Zeroizing<Vec<u8>>,
    pub kcv: String,
    pub created_unix: u64,
}

impl KeyVersion {
    /// The clear key bytes; only this crate ever calls it.
    pub(crate) fn material(&self) -> &[u8] {
        &self.material
    }
}

/// What `keys list` shows: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub name: String,
    pub version: u32,
    pub kind: KeyKind,
    pub kcv: String,
    pub created_unix: u64,
}

#[derive(Serialize, Deserialize)]
struct FileKey {
    name: String,
    version: u32,
    kind: KeyKind,
    kcv: String,
    created_unix: u64,
    /// hex(nonce ‖ AES-256-GCM ciphertext ‖ tag) under the master key.
    wrapped: String,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    master_kcv: String,
    keys: Vec<FileKey>,
}

pub struct KeyStore {
    path: PathBuf,
    master: MasterKey,
    keys: BTreeMap<String, Vec<KeyVersion>>,
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn wrap_aad(name: &str, version: u32, kind: KeyKind) -> Vec<u8> {
    format!("cardhost-key:{name}:{version}:{}", kind.label()).into_bytes()
}

impl KeyStore {
    /// Creates a key store holding every default key; refuses to overwrite a file.
    pub fn create(path: &Path, master: MasterKey) -> Result<KeyStore, CryptoError> {
        if path.exists() {
            return Err(CryptoError::Io(format!(
                "{} already exists",
                path.display()
            )));
        }
        let mut store = KeyStore {
            path: path.to_owned(),
            master,
            keys: BTreeMap::new(),
        };
        for (name, kind) in DEFAULT_KEYS {
            store.add_version(name, kind, generate_material(kind));
        }
        store.save()?;
        Ok(store)
    }

    /// Opens and decrypts a key store; a wrong master key is refused before any
    /// key is touched.
    pub fn open(path: &Path, master: MasterKey) -> Result<KeyStore, CryptoError> {
        let text = fs::read_to_string(path)
            .map_err(|e| CryptoError::Io(format!("{}: {e}", path.display())))?;
        let file: KeyFile =
            serde_json::from_str(&text).map_err(|e| CryptoError::Corrupt(e.to_string()))?;
        if file.format != FILE_FORMAT {
            return Err(CryptoError::Corrupt(format!(
                "unknown format '{}'",
                file.format
            )));
        }
        if file.master_kcv != master.kcv() {
            return Err(CryptoError::WrongMasterKey);
        }
        let cipher = master.cipher();
        let mut keys: BTreeMap<String, Vec<KeyVersion>> = BTreeMap::new();
        for fk in file.keys {
            let raw = hex::decode(&fk.wrapped)
                .map_err(|_| CryptoError::Corrupt(format!("key {}", fk.name)))?;
            if raw.len() <= GCM_NONCE_LEN {
                return Err(CryptoError::Corrupt(format!("key {}", fk.name)));
            }
            let (nonce, ct) = raw.split_at(GCM_NONCE_LEN);
            let aad = wrap_aad(&fk.name, fk.version, fk.kind);
            let material = Zeroizing::new(
                cipher
                    .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: &aad })
                    .map_err(|_| {
                        CryptoError::Corrupt(format!(
                            "key {} v{} does not decrypt",
                            fk.name, fk.version
                        ))
                    })?,
            );
            if kcv(fk.kind, &material) != fk.kcv {
                return Err(CryptoError::Corrupt(format!(
                    "key {} v{}: check value differs",
                    fk.name, fk.version
                )));
            }
            keys.entry(fk.name).or_default().push(KeyVersion {
                version: fk.version,
                kind: fk.kind,
                material,
                kcv: fk.kcv,
                created_unix: fk.created_unix,
            });
        }
        for versions in keys.values_mut() {
            versions.sort_by_key(|k| k.version);
        }
        Ok(KeyStore {
            path: path.to_owned(),
            master,
            keys,
        })
    }

    /// Writes the file atomically (temp file, then rename) with mode 0600.
    pub fn save(&self) -> Result<(), CryptoError> {
        let cipher = self.master.cipher();
        let mut file = KeyFile {
            format: FILE_FORMAT.into(),
            master_kcv: self.master.kcv(),
            keys: Vec::new(),
        };
        for (name, versions) in &self.keys {
            for k in versions {
                let nonce = random_bytes(GCM_NONCE_LEN);
                let aad = wrap_aad(name, k.version, k.kind);
                let ct = cipher
                    .encrypt(
                        Nonce::from_slice(&nonce),
                        Payload {
                            msg: k.material(),
                            aad: &aad,
                        },
                    )
                    .map_err(|_| CryptoError::Corrupt("wrapping failed".into()))?;
                file.keys.push(FileKey {
                    name: name.clone(),
                    version: k.version,
                    kind: k.kind,
                    kcv: k.kcv.clone(),
                    created_unix: k.created_unix,
                    wrapped: hex::encode([nonce, ct].concat()),
                });
            }
        }
        let text =
            serde_json::to_string_pretty(&file).map_err(|e| CryptoError::Io(e.to_string()))?;
        let tmp = self.path.with_extension("json.tmp");
        let io = |e: std::io::Error| CryptoError::Io(format!("{}: {e}", self.path.display()));
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io)?;
        out.write_all(text.as_bytes()).map_err(io)?;
        out.sync_all().map_err(io)?;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600)).map_err(io)?;
        fs::rename(&tmp, &self.path).map_err(io)?;
        Ok(())
    }

    fn add_version(&mut self, name: &str, kind: KeyKind, material: Zeroizing<Vec<u8>>) -> KeyInfo {
        let versions = self.keys.entry(name.to_owned()).or_default();
        let version = versions.last().map_or(1, |k| k.version + 1);
        let key = KeyVersion {
            version,
            kind,
            kcv: kcv(kind, &material),
            material,
            created_unix: now_unix(),
        };
        let info = KeyInfo {
            name: name.to_owned(),
            version,
            kind,
            kcv: key.kcv.clone(),
            created_unix: key.created_unix,
        };
        versions.push(key);
        info
    }

    pub fn list(&self) -> Vec<KeyInfo> {
        self.keys
            .iter()
            .flat_map(|(name, versions)| {
                versions.iter().map(move |k| KeyInfo {
                    name: name.clone(),
                    version: k.version,
                    kind: k.kind,
                    kcv: k.kcv.clone(),
                    created_unix: k.created_unix,
                })
            })
            .collect()
    }

    /// Adds a freshly generated version of `name`; older versions stay readable.
    pub fn rotate(&mut self, name: &str) -> Result<KeyInfo, CryptoError> {
        let kind = self.current(name)?.kind;
        let info = self.add_version(name, kind, generate_material(kind));
        self.save()?;
        Ok(info)
    }

    /// Imports a clear key given in hex; refuses to shadow an existing key
    /// unless `new_version` is set.
    pub fn import(
        &mut self,
        name: &str,
        hex_key: &str,
        kind_flag: Option<&str>,
        new_version: bool,
    ) -> Result<KeyInfo, CryptoError> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(CryptoError::MalformedKey(
                "a key name is letters, digits, '-' and '_'".into(),
            ));
        }
        let material = Zeroizing::new(
            hex::decode(hex_key.trim())
                .map_err(|_| CryptoError::MalformedKey("not hexadecimal".into()))?,
        );
        let kind = match (kind_flag, self.keys.get(name).and_then(|v| v.last())) {
            (Some(flag), _) => KeyKind::from_flag(flag, material.len())?,
            (None, Some(existing)) => existing.kind,
            (None, None) => KeyKind::for_default_name(name).ok_or_else(|| {
                CryptoError::MalformedKey(format!("say --kind for the non-default key '{name}'"))
            })?,
        };
        check_material(kind, &material)?;
        if let Some(existing) = self.keys.get(name).and_then(|v| v.last()) {
            if !new_version {
                return Err(CryptoError::KeyExists(name.to_owned()));
            }
            if existing.kind != kind {
                return Err(CryptoError::WrongKeyKind {
                    name: name.to_owned(),
                    actual: existing.kind.label(),
                    expected: kind.label(),
                });
            }
        }
        let info = self.add_version(name, kind, material);
        self.save()?;
        Ok(info)
    }

    /// The newest version of `name`, used for new work.
    pub fn current(&self, name: &str) -> Result<&KeyVersion, CryptoError> {
        self.keys
            .get(name)
            .and_then(|v| v.last())
            .ok_or_else(|| CryptoError::UnknownKey(name.to_owned()))
    }

    pub fn version(&self, name: &str, version: u32) -> Result<&KeyVersion, CryptoError> {
        let versions = self
            .keys
            .get(name)
            .ok_or_else(|| CryptoError::UnknownKey(name.to_owned()))?;
        versions
            .iter()
            .find(|k| k.version == version)
            .ok_or_else(|| CryptoError::UnknownKeyVersion {
                name: name.to_owned(),
                version,
            })
    }

    /// `version` when given, else the newest; checks the key's kind.
    pub(crate) fn key(
        &self,
        name: &str,
        version: Option<u32>,
        kinds: &[KeyKind],
    ) -> Result<&KeyVersion, CryptoError> {
        let key = match version {
            Some(v) => self.version(name, v)?,
            None => self.current(name)?,
        };
        if !kinds.contains(&key.kind) {
            return Err(CryptoError::WrongKeyKind {
                name: name.to_owned(),
                actual: key.kind.label(),
                expected: kinds.first().map_or("", |k| k.label()),
            });
        }
        Ok(key)
    }

    /// Re-reads the file (another process may have rotated or imported a key).
    pub fn reload(&mut self) -> Result<(), CryptoError> {
        *self = KeyStore::open(&self.path, self.master.clone())?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "cardhost-ks-{tag}-{}",
            hex::encode(random_bytes(6))
        ));
        fs::create_dir_all(&dir).unwrap();
        dir.join("keys.json")
    }

    const MASTER: &str = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";

    #[test]
    fn create_open_and_wrong_master() {
        let path = temp_path("open");
        let created = KeyStore::create(&path, MasterKey::from_hex(MASTER).unwrap()).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let names: Vec<String> = created.list().into_iter().map(|k| k.name).collect();
        assert_eq!(names.len(), DEFAULT_KEYS.len());
        let reopened = KeyStore::open(&path, MasterKey::from_hex(MASTER).unwrap()).unwrap();
        assert_eq!(reopened.list(), created.list());
        let wrong = MasterKey::from_hex(&MASTER.replace("00", "FF")).unwrap();
        assert_eq!(
            KeyStore::open(&path, wrong).err(),
            Some(CryptoError::WrongMasterKey)
        );
        let text = fs::read_to_string(&path).unwrap();
        for k in created.list() {
            let material =
                hex::encode_upper(created.version(&k.name, k.version).unwrap().material());
            assert!(
                !text.to_uppercase().contains(&material),
                "key {} stored in clear",
                k.name
            );
        }
        assert!(KeyStore::create(&path, MasterKey::generate()).is_err());
    }

    #[test]
    fn rotate_and_import() {
        let path = temp_path("rot");
        let mut ks = KeyStore::create(&path, MasterKey::from_hex(MASTER).unwrap()).unwrap();
        let v2 = ks.rotate("pan").unwrap();
        assert_eq!(v2.version, 2);
        assert_eq!(ks.current("pan").unwrap().version, 2);
        assert!(ks.version("pan", 1).is_ok());
        let cvk = "0123456789ABCDEFFEDCBA9876543210";
        assert_eq!(
            ks.import("cvk", cvk, None, false).err(),
            Some(CryptoError::KeyExists("cvk".into()))
        );
        let info = ks.import("cvk", cvk, None, true).unwrap();
        assert_eq!(info.kcv, "08D7B4");
        assert!(
            ks.import("cvk", "0023456789ABCDEFFEDCBA9876543210", None, true)
                .is_err(),
            "parity"
        );
        assert!(ks.import("cvk", "0123", None, true).is_err(), "length");
        assert!(
            ks.import("zpk", "0123456789ABCDEF0123456789ABCDEF", None, true)
                .is_err(),
            "equal halves"
        );
        assert!(ks.import("other", cvk, None, false).is_err(), "kind needed");
        assert!(ks.import("other", cvk, Some("des"), false).is_ok());
        let reopened = KeyStore::open(&path, MasterKey::from_hex(MASTER).unwrap()).unwrap();
        assert_eq!(reopened.current("cvk").unwrap().kcv, "08D7B4");
        assert_eq!(reopened.current("pan").unwrap().version, 2);
    }
}
