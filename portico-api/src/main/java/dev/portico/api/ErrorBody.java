package dev.portico.api;

/** The body of every API error answer. */
public record ErrorBody(String error) {}
