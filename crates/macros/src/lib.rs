//! `#[derive(Table)]`: a row type's table, declared once by its fields.
//!
//! ```ignore
//! #[derive(FromRow, Table)]
//! #[table(name = "qr_codes")]
//! pub struct QrRow {
//!     pub qr_token: String, // the first field is the key
//!     #[table(by_name)]     // stored as `status.name()`; `by_code`: `.code()`
//!     pub status: QrStatus,
//!     #[table(by_numeric)]  // a currency, stored as its numeric code
//!     pub currency: Currency,
//! }
//! ```
//!
//! A key the database generates is marked `#[table(generated_key)]`: it is
//! read, and updates find the row by it, but inserts leave it out.
//!
//! The columns are the fields, in order, so a column list and its binds
//! cannot disagree with the row or with each other.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, Data, DeriveInput, Fields, LitStr};

#[proc_macro_derive(Table, attributes(table))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    table(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn table(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let name = table_name(input)?;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(input, "Table is for structs"));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(input, "Table needs named fields"));
    };
    let mut read = Vec::new();
    let mut written = Vec::new();
    let mut binds = Vec::new();
    let mut key = None;
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named");
        let flags = flags(field)?;
        read.push(ident.to_string());
        if flags.generated_key {
            key = Some(ident.clone());
            continue;
        }
        written.push(ident.to_string());
        binds.push(if flags.by_name {
            quote!(self.#ident.name())
        } else if flags.by_code {
            quote!(self.#ident.code())
        } else if flags.by_numeric {
            quote!(i64::from(self.#ident))
        } else {
            quote!(&self.#ident)
        });
    }
    let key = key.unwrap_or_else(|| fields.named[0].ident.clone().expect("named"));
    let key_name = key.to_string();
    let row = &input.ident;
    Ok(quote! {
        impl crate::table::Table for #row {
            const NAME: &'static str = #name;
            const KEY: &'static str = #key_name;
            const COLUMNS: &'static [&'static str] = &[#(#written),*];
            const READ: &'static [&'static str] = &[#(#read),*];

            fn bind<'q>(&'q self, query: crate::sql::AnyQuery<'q>) -> crate::sql::AnyQuery<'q> {
                query #(.bind(#binds))*
            }

            fn bind_key<'q>(&'q self, query: crate::sql::AnyQuery<'q>) -> crate::sql::AnyQuery<'q> {
                query.bind(&self.#key)
            }
        }
    })
}

/// `#[table(name = "…")]` on the struct.
fn table_name(input: &DeriveInput) -> syn::Result<LitStr> {
    let mut name = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("table")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                name = Some(meta.value()?.parse::<LitStr>()?);
                Ok(())
            } else {
                Err(meta.error("expected `name = \"…\"`"))
            }
        })?;
    }
    name.ok_or_else(|| syn::Error::new_spanned(input, "missing #[table(name = \"…\")]"))
}

/// What `#[table(…)]` says of a field.
#[derive(Default)]
struct Flags {
    /// Stored as its `name()`.
    by_name: bool,
    /// Stored as its `code()`.
    by_code: bool,
    /// Stored as `i64::from(..)`: a currency's numeric code.
    by_numeric: bool,
    /// The key, made by the database: read, never inserted.
    generated_key: bool,
}

fn flags(field: &syn::Field) -> syn::Result<Flags> {
    let mut flags = Flags::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("table")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("by_name") {
                flags.by_name = true;
            } else if meta.path.is_ident("by_code") {
                flags.by_code = true;
            } else if meta.path.is_ident("by_numeric") {
                flags.by_numeric = true;
            } else if meta.path.is_ident("generated_key") {
                flags.generated_key = true;
            } else {
                return Err(
                    meta.error("expected `by_name`, `by_code`, `by_numeric` or `generated_key`")
                );
            }
            Ok(())
        })?;
    }
    Ok(flags)
}
