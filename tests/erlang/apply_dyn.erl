-module(apply_dyn).
-export([main/0, double/1, add/2]).
%% apply/3 and M:F(A) with module and function names known only at run time.
main() ->
    M = ?MODULE,
    {apply(M, double, [21]), M:add(1, 2), apply(lists, reverse, [[1, 2, 3]]),
     apply(fun add/2, [3, 4]), [apply(erlang, F, [-3]) || F <- [abs, integer_to_list]],
     erlang:apply(M, double, [0.5])}.
double(X) -> 2 * X.
add(A, B) -> A + B.
