//! Text search that ignores case and accents, as users type names ("epernay" finds "Épernay").

/// Reduces a text to its search key: ASCII, lower case, words separated by single spaces. The same
/// function builds the stored keys and the user's query, so both sides always agree.
pub fn search_key(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_ascii_lowercase();
    let mut key = String::with_capacity(ascii.len());
    for word in ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(word);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::search_key;

    #[test]
    fn keys_ignore_accents_case_and_punctuation() {
        assert_eq!(
            search_key("Épernay – Bassin sézannais"),
            "epernay bassin sezannais"
        );
        assert_eq!(search_key("  Val-d'Argent  "), "val d argent");
        assert_eq!(search_key("Pays de Châlons\u{a0}"), "pays de chalons");
        assert!(search_key("Epernay - Bassin sézannais - Portes de Romilly")
            .contains(&search_key("EPERNAY")));
    }

    #[test]
    fn a_query_of_only_punctuation_is_empty() {
        assert_eq!(search_key(" %_' "), "");
    }
}
