-module(atoms_work).
-export([main/0]).
%% Atom comparisons (alphabetical term order), atom_to_list, list_to_atom, booleans.
main() ->
    As = [zebra, apple, 'Mixed Case', '', true, false, nil, ok],
    {lists:sort(As), [atom_to_list(A) || A <- [hello, 'with space']],
     list_to_atom("made_" ++ "up"), [A || A <- As, A > m],
     true andalso not false, (false orelse true) xor true, is_boolean(nil)}.
