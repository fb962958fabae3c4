//! Term operations: Erlang term order and equality, `~w`/`~p` printing, and the external
//! term format (encode/decode). Owned by the second runtime engineer (issue 6).
