-module(deep).
-export([main/0]).
%% 1,000,000-deep body recursion: the Erlang stack grows through many collections.
main() -> down(1000000).
down(0) -> 0;
down(N) -> 1 + down(N - 1).
