// A type alias of `String` is still the raw body: the decision is made on the type,
// not on how it is spelled.
type Text = String;

#[fc::invoke]
async fn handle(event: Text) -> Text {
    event
}

fn main() {
    let _ = fc::routes![handle];
}
