//! `#[derive(Table)]`: a row type's table, declared once by its fields.
//!
//! ```ignore
//! #[derive(FromRow, Table)]
//! #[table(name = "qr_codes")]
//! pub struct QrRow {
//!     pub qr_token: String, // the first field is the key
//!     #[table(by_name)]     // stored as `status.name()`
//!     pub status: QrStatus,
//! }
//! ```
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
    let mut columns = Vec::new();
    let mut binds = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named");
        columns.push(ident.to_string());
        binds.push(if by_name(field)? {
            quote!(self.#ident.name())
        } else {
            quote!(&self.#ident)
        });
    }
    let row = &input.ident;
    Ok(quote! {
        impl crate::table::Table for #row {
            const NAME: &'static str = #name;
            const COLUMNS: &'static [&'static str] = &[#(#columns),*];

            fn bind<'q>(&'q self, query: crate::sql::AnyQuery<'q>) -> crate::sql::AnyQuery<'q> {
                query #(.bind(#binds))*
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

/// `#[table(by_name)]` on a field: stored as its `name()`.
fn by_name(field: &syn::Field) -> syn::Result<bool> {
    let mut found = false;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("table")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("by_name") {
                found = true;
                Ok(())
            } else {
                Err(meta.error("expected `by_name`"))
            }
        })?;
    }
    Ok(found)
}
