-module(len).
-export([main/0]).
%% Body-recursive and tail-recursive length of the same list.
main() -> L = build(5000, []), {len(L), tlen(L, 0)}.
build(0, Acc) -> Acc;
build(N, Acc) -> build(N - 1, [N | Acc]).
len([]) -> 0;
len([_ | T]) -> 1 + len(T).
tlen([], N) -> N;
tlen([_ | T], N) -> tlen(T, N + 1).
