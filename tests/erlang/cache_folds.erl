-module(cache_folds).
-export([main/0]).

%% OTP code the native-code cache once refused (docs/cache.md): rand and calendar compare
%% and compute with literals (floats, bignums) that reach the operation through a
%% register, and their code was compiled with the literals' low address bits folded into
%% tag-test immediates. From the cache they must give the results of a compiled run.
main() ->
    rand:seed(exsss, {1, 2, 3}),
    Ints = [rand:uniform(1000) || _ <- lists:seq(1, 5)],
    Floats = [round(rand:uniform() * 1.0e6) || _ <- lists:seq(1, 3)],
    Normal = round(rand:normal() * 1000),
    Days = calendar:date_to_gregorian_days(2026, 12, 7),
    {Ints, Floats, Normal, Days,
     calendar:gregorian_days_to_date(Days + 1000),
     calendar:iso_week_number({2026, 12, 7}),
     calendar:valid_date(2024, 2, 29),
     calendar:seconds_to_daystime(100000),
     calendar:time_difference({{2026, 1, 1}, {0, 0, 0}}, {{2026, 12, 7}, {12, 30, 0}})}.
