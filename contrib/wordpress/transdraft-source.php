<?php
/**
 * Plugin Name: transdraft source
 * Description: Keeps the source article's URL with each post that transdraft publishes
 *   (REST-visible post meta transdraft_source_url and transdraft_draft_id) and, when the
 *   site wants it, points search engines at the source with <link rel="canonical">.
 * Version: 1.0
 *
 * Install: copy this file into wp-content/mu-plugins/ (make the folder if needed); must-use
 * plugins are loaded without activation. To print the canonical link to the source, set the
 * option once (`wp option update transdraft_canonical 1`) or define TRANSDRAFT_CANONICAL as
 * true in wp-config.php.
 */

if (!defined('ABSPATH')) {
    exit;
}

add_action('init', function () {
    $fields = array(
        'transdraft_source_url' => 'esc_url_raw',
        'transdraft_draft_id' => 'sanitize_text_field',
    );
    foreach ($fields as $key => $sanitize) {
        register_post_meta('post', $key, array(
            'type' => 'string',
            'single' => true,
            'show_in_rest' => true,
            'sanitize_callback' => $sanitize,
            'auth_callback' => function () {
                return current_user_can('edit_posts');
            },
        ));
    }
});

function transdraft_wants_canonical() {
    if (defined('TRANSDRAFT_CANONICAL')) {
        return (bool) TRANSDRAFT_CANONICAL;
    }
    return (bool) get_option('transdraft_canonical', false);
}

// Before WordPress's own rel_canonical (priority 10), which points at the post itself.
add_action('wp_head', function () {
    if (!is_singular('post') || !transdraft_wants_canonical()) {
        return;
    }
    $source = get_post_meta(get_queried_object_id(), 'transdraft_source_url', true);
    if (!$source) {
        return;
    }
    remove_action('wp_head', 'rel_canonical');
    echo '<link rel="canonical" href="' . esc_url($source) . '" />' . "\n";
}, 1);
