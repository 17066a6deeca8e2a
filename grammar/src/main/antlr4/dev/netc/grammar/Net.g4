// The .net language: models, reusable blocks and train blocks. See docs/language.md.
// Newlines are insignificant; ';' may separate statements. The lexer never fails: any stray
// character becomes an ERROR_CHAR token, so the parser reports it with a position.
grammar Net;


program   : item* EOF ;

item      : modelDecl | blockDecl | trainDecl ;

modelDecl : MODEL ID body ;
blockDecl : BLOCK ID '(' (ID (',' ID)* ','?)? ')' body ;
trainDecl : TRAIN ID body ;

body      : '{' (stmt | ';')* '}' ;

stmt
    : INPUT ID ':' type                          # inputStmt
    | FROZEN? PARAM ID ':' type ('=' expr)?      # paramStmt
    | ID '=' expr                                # assignStmt
    | OUTPUT ID (',' ID)*                        # outputStmt
    | RETURN expr                                # returnStmt
    ;

type      : ID '[' (dim (',' dim)*)? ']' ;
dim       : NUMBER | ID ;

expr
    : '-' expr                                   # negate
    | expr op=('*' | '/') expr                   # mulDiv
    | expr op=('+' | '-') expr                   # addSub
    | ID '(' (arg (',' arg)* ','?)? ')'          # call
    | '[' (expr (',' expr)* ','?)? ']'           # list
    | '(' expr ')'                               # paren
    | NUMBER                                     # number
    | STRING                                     # string
    | ID                                         # name
    ;

arg       : (ID '=')? expr ;

MODEL  : 'model' ;
BLOCK  : 'block' ;
TRAIN  : 'train' ;
INPUT  : 'input' ;
PARAM  : 'param' ;
FROZEN : 'frozen' ;
OUTPUT : 'output' ;
RETURN : 'return' ;

NUMBER : DIGITS ('.' DIGITS?)? EXPONENT? | '.' DIGITS EXPONENT? ;
ID     : [a-zA-Z_] [a-zA-Z_0-9]* ;
STRING : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"' ;

COMMENT : ('#' | '//') ~[\r\n]* -> skip ;
WS      : [ \t\r\n\f]+ -> skip ;

/** Anything else; the parser reports it as an unexpected character. */
ERROR_CHAR : . ;

fragment DIGITS   : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? DIGITS ;
