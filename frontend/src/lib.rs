//! Reader for `.beam` files as `erlc` writes them (OTP 24–29).
