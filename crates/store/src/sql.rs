//! Statement text for tables written whole-row from a column list.

/// `INSERT INTO table (a, b) VALUES ($1, $2)`.
pub fn insert(table: &str, columns: &[&str]) -> String {
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        placeholders.join(", ")
    )
}

/// `UPDATE table SET b = $2, c = $3 WHERE a = $1`, the key being the first column.
pub fn update_by_first(table: &str, columns: &[&str]) -> String {
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    format!(
        "UPDATE {table} SET {} WHERE {} = $1",
        sets.join(", "),
        columns[0]
    )
}

/// `UPDATE table SET a = $1, b = $2 WHERE key = $n+1`, the key bound last.
pub fn update_by_key(table: &str, columns: &[&str], key: &str) -> String {
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    format!(
        "UPDATE {table} SET {} WHERE {key} = ${}",
        sets.join(", "),
        columns.len() + 1
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements() {
        assert_eq!(
            super::insert("t", &["a", "b"]),
            "INSERT INTO t (a, b) VALUES ($1, $2)"
        );
        assert_eq!(
            super::update_by_first("t", &["a", "b", "c"]),
            "UPDATE t SET b = $2, c = $3 WHERE a = $1"
        );
        assert_eq!(
            super::update_by_key("t", &["b", "c"], "id"),
            "UPDATE t SET b = $1, c = $2 WHERE id = $3"
        );
    }
}
