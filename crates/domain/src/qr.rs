//! EMV merchant-presented QR payloads (EMVCo QRCPS, spec vpos.md "QR
//! payments"): two-digit tag, two-digit length, value, and a CRC-16/CCITT-FALSE
//! in tag `63` over everything before its value.

use std::fmt::Write;

/// The fields of a dynamic QR this host presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPayload {
    pub mcc: String,
    /// ISO 4217 numeric, three digits.
    pub currency: String,
    /// The amount as decimal text (`120.50`).
    pub amount: String,
    /// ISO 3166 alpha-2.
    pub country: String,
    pub merchant_name: String,
    pub city: String,
    /// The `QrToken`, as the additional data's reference label (`62`, `05`).
    pub reference: String,
}

/// Why a payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("the payload is not tag-length-value text")]
    Malformed,
    #[error("the payload's CRC does not match")]
    Crc,
    #[error("the payload has no {0}")]
    Missing(&'static str),
    #[error("{0} is longer than its tag allows")]
    TooLong(&'static str),
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection.
pub fn crc16(data: &[u8]) -> u16 {
    data.iter().fold(0xFFFF_u16, |mut crc, byte| {
        crc ^= u16::from(*byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
        crc
    })
}

fn tlv(out: &mut String, tag: &str, value: &str, what: &'static str) -> Result<(), QrError> {
    let len = value.chars().count();
    if len > 99 {
        return Err(QrError::TooLong(what));
    }
    let _ = write!(out, "{tag}{len:02}{value}");
    Ok(())
}

/// Shortens to the most characters a tag takes (merchant name 25, city 15).
fn at_most(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

impl QrPayload {
    /// The payload text, CRC included.
    pub fn encode(&self) -> Result<String, QrError> {
        let mut out = String::new();
        tlv(&mut out, "00", "01", "payload format")?;
        tlv(&mut out, "01", "12", "point of initiation")?;
        tlv(&mut out, "52", &self.mcc, "merchant category")?;
        tlv(&mut out, "53", &self.currency, "currency")?;
        tlv(&mut out, "54", &self.amount, "amount")?;
        tlv(&mut out, "58", &self.country, "country")?;
        tlv(
            &mut out,
            "59",
            &at_most(&self.merchant_name, 25),
            "merchant name",
        )?;
        tlv(&mut out, "60", &at_most(&self.city, 15), "city")?;
        let mut additional = String::new();
        tlv(&mut additional, "05", &self.reference, "reference label")?;
        tlv(&mut out, "62", &additional, "additional data")?;
        out.push_str("6304");
        let crc = crc16(out.as_bytes());
        let _ = write!(out, "{crc:04X}");
        Ok(out)
    }

    /// Reads a payload, checking its CRC first.
    pub fn decode(text: &str) -> Result<QrPayload, QrError> {
        let at = text.len().checked_sub(4).ok_or(QrError::Malformed)?;
        if !text.is_char_boundary(at) {
            return Err(QrError::Malformed);
        }
        let (body, crc) = text.split_at(at);
        if !body.ends_with("6304") {
            return Err(QrError::Malformed);
        }
        let expected = u16::from_str_radix(crc, 16).map_err(|_| QrError::Malformed)?;
        if crc16(body.as_bytes()) != expected {
            return Err(QrError::Crc);
        }
        let tags = fields(&body[..body.len() - 4])?;
        let get = |tag: &str, what: &'static str| {
            tags.iter()
                .find(|(t, _)| t == tag)
                .map(|(_, v)| v.clone())
                .ok_or(QrError::Missing(what))
        };
        let additional = fields(&get("62", "additional data")?)?;
        let reference = additional
            .into_iter()
            .find(|(t, _)| t == "05")
            .map(|(_, v)| v)
            .ok_or(QrError::Missing("reference label"))?;
        Ok(QrPayload {
            mcc: get("52", "merchant category")?,
            currency: get("53", "currency")?,
            amount: get("54", "amount")?,
            country: get("58", "country")?,
            merchant_name: get("59", "merchant name")?,
            city: get("60", "city")?,
            reference,
        })
    }
}

/// The tag-value pairs of a run of TLV text (lengths count characters).
fn fields(text: &str) -> Result<Vec<(String, String)>, QrError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let head = chars.get(at..at + 4).ok_or(QrError::Malformed)?;
        if !head.iter().all(char::is_ascii_digit) {
            return Err(QrError::Malformed);
        }
        let tag: String = head[..2].iter().collect();
        let len: usize = head[2..]
            .iter()
            .collect::<String>()
            .parse()
            .map_err(|_| QrError::Malformed)?;
        let value = chars.get(at + 4..at + 4 + len).ok_or(QrError::Malformed)?;
        out.push((tag, value.iter().collect()));
        at += 4 + len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalogue's check value of CRC-16/CCITT-FALSE (Greg Cook's CRC
    /// RevEng catalogue: check = 0x29B1 for "123456789").
    #[test]
    fn crc_matches_the_published_check_value() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }

    fn sample() -> QrPayload {
        QrPayload {
            mcc: "5942".into(),
            currency: "949".into(),
            amount: "120.50".into(),
            country: "TR".into(),
            merchant_name: "Book Shop".into(),
            city: "Istanbul".into(),
            reference: "Qk7ZP2mRt9xW4bN8cV3d".into(),
        }
    }

    #[test]
    fn a_payload_reads_back_as_written() {
        let text = sample().encode().unwrap();
        assert!(
            text.starts_with("0002010102125204594253039495406120.505802TR"),
            "{text}"
        );
        assert_eq!(QrPayload::decode(&text).unwrap(), sample());
    }

    #[test]
    fn a_changed_payload_fails_its_crc() {
        let text = sample().encode().unwrap().replace("120.50", "920.50");
        assert_eq!(QrPayload::decode(&text), Err(QrError::Crc));
    }

    #[test]
    fn a_long_merchant_name_is_shortened_to_25_characters() {
        let mut long = sample();
        long.merchant_name = "A very long merchant name indeed".into();
        let read = QrPayload::decode(&long.encode().unwrap()).unwrap();
        assert_eq!(read.merchant_name, "A very long merchant name");
    }

    #[test]
    fn text_that_is_not_tlv_is_malformed() {
        assert_eq!(QrPayload::decode("hello"), Err(QrError::Malformed));
    }
}
